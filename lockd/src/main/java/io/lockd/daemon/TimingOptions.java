package io.lockd.daemon;

import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ReplicaOptions;
import io.lockd.server.ServerConfig;
import io.lockd.server.grpc.LockdConfig;
import io.lockd.server.grpc.LockdConfigBuilder;
import picocli.CommandLine.Option;

/** Consensus and session timing. */
final class TimingOptions {
  @Option(
      names = "--lease-ms",
      paramLabel = "MS",
      defaultValue = "" + PaxosConfig.LEASE_MILLIS,
      description = "Leader lease; a new leader waits it out (default: ${DEFAULT-VALUE}).")
  long leaseMillis;

  @Option(
      names = "--heartbeat-ms",
      paramLabel = "MS",
      defaultValue = "" + PaxosConfig.HEARTBEAT_MILLIS,
      description = "Leader heartbeat, at most half the lease (default: ${DEFAULT-VALUE}).")
  long heartbeatMillis;

  @Option(
      names = "--election-timeout-ms",
      paramLabel = "MS",
      defaultValue = "" + PaxosConfig.ELECTION_TIMEOUT_MILLIS,
      description =
          "Silence before a follower campaigns, more than the heartbeat (default: ${DEFAULT-VALUE}).")
  long electionTimeoutMillis;

  @Option(
      names = "--election-jitter-ms",
      paramLabel = "MS",
      defaultValue = "" + PaxosConfig.ELECTION_JITTER_MILLIS,
      description = "Random extra wait before campaigning (default: ${DEFAULT-VALUE}).")
  long electionJitterMillis;

  @Option(
      names = "--clock-drift",
      paramLabel = "RATE",
      defaultValue = "" + PaxosConfig.CLOCK_DRIFT_BOUND,
      description = "Largest clock rate error of any member (default: ${DEFAULT-VALUE}).")
  double clockDrift;

  @Option(
      names = "--grace-ms",
      paramLabel = "MS",
      defaultValue = "" + ServerConfig.GRACE_DEFAULT_MILLIS,
      description =
          "Failover grace: a new leader keeps every session alive at least this long "
              + "(and at least its lease) before it may expire any; longer delays the takeover of a "
              + "crashed holder's locks (default: ${DEFAULT-VALUE}, at most 600000).")
  long graceMillis;

  @Option(
      names = "--tick-ms",
      paramLabel = "MS",
      defaultValue = "" + LockdConfig.TICK_MILLIS,
      description =
          "Shortest interval between two consensus ticks, at most the heartbeat; timers run "
              + "when due (default: ${DEFAULT-VALUE}).")
  long tickMillis;

  @Option(
      names = "--server-tick-ms",
      paramLabel = "MS",
      defaultValue = "" + LockdConfig.SERVER_TICK_MILLIS,
      description =
          "How often the leader checks session deadlines and timers; an idle "
              + "follower checks once a second (default: ${DEFAULT-VALUE}).")
  long serverTickMillis;

  @Option(
      names = {"--max-inflight-slots", "--pipeline-slots"},
      paramLabel = "N",
      defaultValue = "" + PaxosConfig.MAX_INFLIGHT_SLOTS,
      description =
          "Slots a leader proposes before the earliest is chosen; commands that "
              + "arrive meanwhile wait and share a slot (default: ${DEFAULT-VALUE}).")
  int maxInflightSlots;

  @Option(
      names = "--proposal-timeout-ms",
      paramLabel = "MS",
      defaultValue = "" + ReplicaOptions.PROPOSAL_TIMEOUT_MILLIS,
      description =
          "A request without outcome this long answers UNAVAILABLE "
              + "(default: ${DEFAULT-VALUE}).")
  long proposalTimeoutMillis;

  @Option(
      names = {"--snapshot-every-slots", "--snapshot-every"},
      paramLabel = "SLOTS",
      defaultValue = "" + ReplicaOptions.SNAPSHOT_EVERY_SLOTS,
      description = "Slots between snapshots (default: ${DEFAULT-VALUE}).")
  long snapshotEverySlots;

  void applyTo(LockdConfigBuilder b) {
    b.leaseMillis(leaseMillis);
    b.heartbeatMillis(heartbeatMillis);
    b.electionTimeoutMillis(electionTimeoutMillis);
    b.electionJitterMillis(electionJitterMillis);
    b.clockDrift(clockDrift);
    b.graceMillis(graceMillis);
    b.tickMillis(tickMillis);
    b.serverTickMillis(serverTickMillis);
    b.maxInflightSlots(maxInflightSlots);
    b.proposalTimeoutMillis(proposalTimeoutMillis);
    b.snapshotEverySlots(snapshotEverySlots);
  }
}
