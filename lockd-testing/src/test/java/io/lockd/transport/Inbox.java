package io.lockd.transport;

import io.lockd.paxos.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Records the messages a transport delivers, in arrival order. It is the inbound consumer tests
 * pass to {@link io.lockd.transport.PeerTransport#start}: it never blocks beyond a short lock, and
 * it may be called from any thread.
 */
public final class Inbox implements Consumer<Message> {
  private final List<Message> messages = new ArrayList<>();
  private final List<Integer> lost = new ArrayList<>();

  @Override
  public synchronized void accept(Message m) {
    messages.add(m);
  }

  /** Records that the connection to {@code peer} was reported lost (the transport's hint). */
  public synchronized void lost(int peer) {
    lost.add(peer);
  }

  /** Every peer reported lost so far, in report order (repeats kept). */
  public synchronized List<Integer> lostPeers() {
    return new ArrayList<>(lost);
  }

  /** A copy of everything received so far. */
  public synchronized List<Message> all() {
    return new ArrayList<>(messages);
  }

  /** The received messages that match {@code filter}, in arrival order. */
  public synchronized List<Message> matching(Predicate<Message> filter) {
    List<Message> out = new ArrayList<>();
    for (Message m : messages) {
      if (filter.test(m)) {
        out.add(m);
      }
    }
    return out;
  }

  /** Whether a message deeply equal to {@code m} has arrived. */
  public synchronized boolean contains(Message m) {
    for (Message received : messages) {
      if (MessageEquality.same(m, received)) {
        return true;
      }
    }
    return false;
  }
}
