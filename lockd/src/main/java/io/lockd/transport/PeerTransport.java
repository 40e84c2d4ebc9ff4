package io.lockd.transport;

import io.lockd.paxos.Message;
import java.util.function.Consumer;

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
  void start(Consumer<Message> inbound);

  /** Queues {@code message} for {@code message.to()}; fire and forget. */
  void send(Message message);

  @Override
  void close();
}
