/**
 * A replica's Prometheus metrics ({@code --metrics-addr}): gauges read from the replica on each
 * scrape, counters and histograms fed by the client port and the disk thread, and the JVM's own.
 * Everything here observes; nothing here changes what the replica does.
 */
package io.lockd.metrics;
