package io.lockd.sim;

import io.lockd.paxos.Message;
import io.lockd.transport.PeerTransport;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The simulated twin of the gRPC peer transport: one replica's endpoint on the {@link SimNetwork}.
 */
final class SimTransport implements PeerTransport {
  private final SimNetwork network;
  private final int id;
  private boolean open;

  SimTransport(SimNetwork network, int id) {
    this.network = network;
    this.id = id;
  }

  @Override
  public void start(Consumer<Message> inbound, IntConsumer peerLost) {
    open = true;
    network.attach(id, inbound, peerLost);
  }

  /** This replica's process died: its peers' connections to it are reset. */
  void reset() {
    network.connectionsReset(id);
  }

  @Override
  public void send(Message message) {
    if (open) {
      network.send(message);
    }
  }

  boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
    network.attach(id, m -> {}, peer -> {});
  }
}
