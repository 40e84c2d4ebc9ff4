package io.lockd.sim;

import io.lockd.paxos.Message;
import io.lockd.transport.PeerTransport;
import java.util.function.Consumer;

/** The simulated twin of the gRPC peer transport: one replica's endpoint on the {@link SimNetwork}. */
final class SimTransport implements PeerTransport {
  private final SimNetwork network;
  private final int id;
  private boolean open;

  SimTransport(SimNetwork network, int id) {
    this.network = network;
    this.id = id;
  }

  @Override
  public void start(Consumer<Message> inbound) {
    open = true;
    network.attach(id, inbound);
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
    network.attach(id, m -> {});
  }
}
