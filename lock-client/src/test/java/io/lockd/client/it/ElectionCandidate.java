package io.lockd.client.it;

import io.lockd.client.LeaderElection;
import io.lockd.client.LockClient;
import io.lockd.client.LockLossReason;
import io.lockd.client.Sequencer;

/**
 * A candidate in a JVM of its own, so that a test can kill it (SIGKILL) while it leads: it
 * campaigns for {@code args[0]} on the cell whose client endpoints are {@code args[1]}
 * (comma-separated) and then waits, at most ten minutes, to be killed. lockctl's {@code elect}
 * played this part before lockctl left this module; the library alone is enough for it.
 */
public final class ElectionCandidate {
  private ElectionCandidate() {}

  public static void main(String[] args) throws Exception {
    LockClient client =
        LockClient.builder().endpoints(args[1].split(",")).clientName("candidate-a").build();
    LeaderElection election =
        new LeaderElection(
            client,
            args[0],
            new LeaderElection.Listener() {
              @Override
              public void onElected(Sequencer proof) {
                System.out.println("elected " + proof);
              }

              @Override
              public void onRevoked(LockLossReason reason) {
                System.out.println("revoked " + reason);
              }
            });
    election.campaign();
    Thread.sleep(600_000);
  }
}
