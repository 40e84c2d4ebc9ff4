package io.lockd.metrics;

import io.lockd.replica.ProposalCallback;
import io.lockd.replica.ProposalFailure;
import io.lockd.server.ForwardingServedReplica;
import io.lockd.server.ServedReplica;

/**
 * The served replica with every proposal timed from the server's hand-off to its outcome: the
 * commit latency (a slot, the majority's syncs and the apply), without the client's network or the
 * server's queueing in front of it. The observer is set once the metrics exist, after the server
 * started, hence volatile; proposals before that go unobserved.
 */
public final class ProposalTimer extends ForwardingServedReplica {
  /** Told of each outcome on the replica's thread. */
  interface Observer {
    void applied(long nanos);

    void failed(ProposalFailure failure);
  }

  private static final Observer NONE =
      new Observer() {
        @Override
        public void applied(long nanos) {}

        @Override
        public void failed(ProposalFailure failure) {}
      };

  private volatile Observer observer = NONE;

  public ProposalTimer(ServedReplica inner) {
    super(inner);
  }

  void observe(Observer observer) {
    this.observer = observer;
  }

  @Override
  public void propose(byte[] payload, ProposalCallback callback) {
    long start = System.nanoTime();
    Observer o = observer;
    super.propose(
        payload,
        new ProposalCallback() {
          @Override
          public void applied(long slot, byte[] result) {
            o.applied(System.nanoTime() - start);
            callback.applied(slot, result);
          }

          @Override
          public void failed(ProposalFailure failure, int leaderHint) {
            o.failed(failure);
            callback.failed(failure, leaderHint);
          }
        });
  }
}
