package io.lockd.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;

/** Collects the metric families of one scrape, each a gauge or a counter with its data points. */
final class Snapshots {
  private final List<MetricSnapshot> families = new ArrayList<>();

  /** A gauge without labels. */
  void gauge(String name, String help, double value) {
    families.add(
        GaugeSnapshot.builder()
            .name(name)
            .help(help)
            .dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
            .build());
  }

  /** A counter without labels; {@code name} without the {@code _total} suffix. */
  void counter(String name, String help, double value) {
    families.add(
        CounterSnapshot.builder()
            .name(name)
            .help(help)
            .dataPoint(CounterDataPointSnapshot.builder().value(value).build())
            .build());
  }

  /** Starts a gauge with one data point per label set. */
  GaugeSnapshot.Builder labelledGauge(String name, String help) {
    return GaugeSnapshot.builder().name(name).help(help);
  }

  /** Starts a counter with one data point per label set. */
  CounterSnapshot.Builder labelledCounter(String name, String help) {
    return CounterSnapshot.builder().name(name).help(help);
  }

  static GaugeDataPointSnapshot point(double value, String... labels) {
    return GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
  }

  static CounterDataPointSnapshot count(double value, String... labels) {
    return CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
  }

  void add(MetricSnapshot family) {
    families.add(family);
  }

  List<MetricSnapshot> families() {
    return families;
  }
}
