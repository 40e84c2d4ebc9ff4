package io.lockd.sim;

import java.util.random.RandomGenerator;

/**
 * Every fault parameter of one run, drawn from the run's seed: so one seed gives a calm network
 * with rare crashes and another a lossy, partition-heavy one with drifting clocks.
 */
public final class FaultPlan {
  public final double dropRate;
  public final double duplicateRate;
  public final long baseDelayMicros;
  public final long jitterMicros;
  public final double slowRate;
  public final long slowDelayMicros;
  public final long diskSyncMicros;
  public final long meanFaultGapMillis;
  public final long maxDownMillis;
  public final long maxPauseMillis;
  public final long maxPartitionMillis;
  public final double clockDrift;
  public final double crashAfterReplyRate;

  /**
   * In a run with disk faults: the chance that a crash of a replica with a faulty disk also loses
   * the newest synced groups of its log or corrupts one (InMemoryAcceptorStore#damageAtNextCrash).
   */
  public final double diskFaultRate;

  /** A network that neither loses, duplicates, delays unevenly nor reorders. */
  static FaultPlan healthy() {
    return new FaultPlan();
  }

  private FaultPlan() {
    dropRate = 0;
    duplicateRate = 0;
    baseDelayMicros = 100;
    jitterMicros = 0;
    slowRate = 0;
    slowDelayMicros = 0;
    diskSyncMicros = 100;
    meanFaultGapMillis = Long.MAX_VALUE / 4;
    maxDownMillis = 1;
    maxPauseMillis = 1;
    maxPartitionMillis = 1;
    clockDrift = 0;
    crashAfterReplyRate = 0;
    diskFaultRate = 0;
  }

  FaultPlan(RandomGenerator r, double driftBound) {
    dropRate = pick(r, 0, 0.15);
    duplicateRate = pick(r, 0, 0.08);
    baseDelayMicros = (long) pick(r, 50, 1500);
    jitterMicros = (long) pick(r, 0, 4000);
    slowRate = pick(r, 0, 0.08);
    slowDelayMicros = (long) pick(r, 10_000, 600_000);
    diskSyncMicros = (long) pick(r, 50, 3000);
    meanFaultGapMillis = (long) pick(r, 150, 1500);
    maxDownMillis = (long) pick(r, 100, 4000);
    maxPauseMillis = (long) pick(r, 50, 1500);
    maxPartitionMillis = (long) pick(r, 200, 5000);
    clockDrift = driftBound * pick(r, 0.5, 1.0);
    crashAfterReplyRate = pick(r, 0, 0.01);
    diskFaultRate = pick(r, 0.2, 0.8); // drawn last: the fields above are as before it existed
  }

  private static double pick(RandomGenerator r, double lo, double hi) {
    return lo + r.nextDouble() * (hi - lo);
  }

  @Override
  public String toString() {
    return String.format(
        "drop=%.3f dup=%.3f delay=%dus+%dus slow=%.3f/%dms disk=%dus "
            + "faultGap=%dms down<=%dms pause<=%dms partition<=%dms drift=%.4f crashAfterReply=%.4f"
            + " diskFault=%.2f",
        dropRate,
        duplicateRate,
        baseDelayMicros,
        jitterMicros,
        slowRate,
        slowDelayMicros / 1000,
        diskSyncMicros,
        meanFaultGapMillis,
        maxDownMillis,
        maxPauseMillis,
        maxPartitionMillis,
        clockDrift,
        crashAfterReplyRate,
        diskFaultRate);
  }
}
