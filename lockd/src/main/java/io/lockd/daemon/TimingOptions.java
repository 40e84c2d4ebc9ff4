package io.lockd.daemon;

import picocli.CommandLine.Option;

/** Consensus and session timing. */
final class TimingOptions {
  @Option(
      names = "--lease-ms",
      paramLabel = "MS",
      defaultValue = "300",
      description = "Leader lease; a new leader waits it out (default: ${DEFAULT-VALUE}).")
  long leaseMillis;

  @Option(
      names = "--heartbeat-ms",
      paramLabel = "MS",
      defaultValue = "50",
      description = "Leader heartbeat, at most half the lease (default: ${DEFAULT-VALUE}).")
  long heartbeatMillis;

  @Option(
      names = "--election-timeout-ms",
      paramLabel = "MS",
      defaultValue = "500",
      description = "Silence before a follower campaigns (default: ${DEFAULT-VALUE}).")
  long electionTimeoutMillis;

  @Option(
      names = "--election-jitter-ms",
      paramLabel = "MS",
      defaultValue = "250",
      description = "Random extra wait before campaigning (default: ${DEFAULT-VALUE}).")
  long electionJitterMillis;

  @Option(
      names = "--clock-drift",
      paramLabel = "RATE",
      defaultValue = "0.01",
      description = "Largest clock rate error of any member (default: ${DEFAULT-VALUE}).")
  double clockDrift;

  @Option(
      names = "--grace-ms",
      paramLabel = "MS",
      defaultValue = "5000",
      description =
          "Failover grace: a new leader keeps every session alive at least this long "
              + "(and at least its lease) before it may expire any; longer delays the takeover of a "
              + "crashed holder's locks (default: ${DEFAULT-VALUE}, at most 600000).")
  long graceMillis;

  @Option(
      names = "--tick-ms",
      paramLabel = "MS",
      defaultValue = "5",
      description =
          "Shortest interval between two consensus ticks; timers run when due "
              + "(default: ${DEFAULT-VALUE}).")
  long tickMillis;

  @Option(
      names = "--server-tick-ms",
      paramLabel = "MS",
      defaultValue = "10",
      description =
          "How often the leader checks session deadlines and timers; an idle "
              + "follower checks once a second (default: ${DEFAULT-VALUE}).")
  long serverTickMillis;

  @Option(
      names = "--pipeline-slots",
      paramLabel = "N",
      defaultValue = "64",
      description =
          "Slots a leader proposes before the earliest is chosen; commands that "
              + "arrive meanwhile wait and share a slot (default: ${DEFAULT-VALUE}).")
  int pipelineSlots;

  @Option(
      names = "--proposal-timeout-ms",
      paramLabel = "MS",
      defaultValue = "10000",
      description =
          "A request without outcome this long answers UNAVAILABLE "
              + "(default: ${DEFAULT-VALUE}).")
  long proposalTimeoutMillis;

  @Option(
      names = "--snapshot-every",
      paramLabel = "SLOTS",
      defaultValue = "10000",
      description = "Slots between snapshots (default: ${DEFAULT-VALUE}).")
  long snapshotEvery;
}
