package io.lockd.transport;

import io.lockd.paxos.Message;
import io.lockd.paxos.Ready;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Carries one-way messages between replicas.
 *
 * <p>Contract: {@link #send} never blocks and never throws for network reasons; a message may be
 * lost (peer down, connection reset, queue full) but is never corrupted. Messages from one sender
 * to one receiver that do arrive, arrive in the order they were sent, unless the network (real or
 * simulated) reorders them — consumers must not rely on order for safety. Inbound messages are
 * handed to the consumer given to {@link #start}, which must not block.
 */
public interface PeerTransport extends AutoCloseable {

  /** Begins accepting inbound messages; each one is passed to {@code inbound}. */
  default void start(Consumer<Message> inbound) {
    start(inbound, peer -> {});
  }

  /**
   * As {@link #start(Consumer)}, and tells {@code peerLost} (with the peer's id) whenever a
   * connection to a peer broke or could not be made: a hint that the peer may be down (a killed
   * process resets its connections), never proof. Must not block.
   */
  void start(Consumer<Message> inbound, IntConsumer peerLost);

  /** Queues {@code message} for {@code message.to()}; fire and forget. */
  void send(Message message);

  /**
   * Sends a snapshot to {@code transfer.to()} as its chunks, in order; fire and forget like {@link
   * #send}. This default sends every chunk at once, which suits small snapshots; a transport for
   * large ones streams them beside the caller, no faster than the peer takes them, and may ignore a
   * transfer of the same snapshot to the same peer while one is under way (the peer asks again if
   * it stops receiving).
   */
  default void sendSnapshot(Ready.SnapshotTransfer transfer) {
    transfer.chunks().forEach(this::send);
  }

  /**
   * The cell's configuration changed (a membership change was chosen, or learned from a snapshot):
   * links to new members are made from the addresses the configuration carries. Must not block.
   */
  default void membersChanged(io.lockd.paxos.Membership members) {}

  @Override
  void close();
}
