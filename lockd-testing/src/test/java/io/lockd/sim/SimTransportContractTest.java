package io.lockd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lockd.transport.Inbox;
import io.lockd.transport.PeerTransport;
import io.lockd.transport.PeerTransportContract;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * The transport contract run against the simulated network, so that the twin the simulation uses
 * behaves like the gRPC transport it stands in for (same suite as {@code GrpcPeerTransportTest}).
 */
class SimTransportContractTest extends PeerTransportContract {
  private static final int STEP_LIMIT = 100_000;

  /** Simulated time between two looks at the condition (and so between retransmissions). */
  private static final long STEP_MICROS = 1_000;

  private final EventQueue events = new EventQueue();

  private final class SimCell implements Network {
    final SimNetwork network;
    final List<SimTransport> endpoints = new ArrayList<>();
    final List<Inbox> inboxes = new ArrayList<>();

    SimCell(int size) {
      network = new SimNetwork(events, new SplittableRandom(1), FaultPlan.healthy(), size);
      for (int id = 1; id <= size; id++) {
        inboxes.add(new Inbox());
        endpoints.add(null);
        restart(id);
      }
    }

    @Override
    public PeerTransport endpoint(int id) {
      return endpoints.get(id - 1);
    }

    @Override
    public Inbox inbox(int id) {
      return inboxes.get(id - 1);
    }

    @Override
    public void stop(int id) {
      if (endpoints.get(id - 1) != null) {
        endpoints.get(id - 1).reset(); // a stopped process's connections are reset
        endpoints.get(id - 1).close();
      }
    }

    @Override
    public void restart(int id) {
      stop(id);
      SimTransport t = new SimTransport(network, id);
      t.start(inboxes.get(id - 1), inboxes.get(id - 1)::lost);
      endpoints.set(id - 1, t);
    }

    @Override
    public void close() {
      for (int id = 1; id <= endpoints.size(); id++) {
        stop(id);
      }
    }
  }

  @Override
  protected Network create(int replicas) {
    return new SimCell(replicas);
  }

  @Override
  protected void awaitDelivered(BooleanSupplier condition) {
    for (int steps = 0; steps < STEP_LIMIT; steps++) {
      if (condition.getAsBoolean()) {
        return;
      }
      long until = events.nowMicros() + STEP_MICROS;
      while (events.runNext(until)) {
        // deliver everything due in this step
      }
    }
    throw new AssertionError("not delivered within " + STEP_LIMIT + " simulated milliseconds");
  }

  @Override
  protected void assertNothingRunning(Network network) {
    SimCell cell = (SimCell) network;
    List<Integer> before = new ArrayList<>();
    cell.inboxes.forEach(i -> before.add(i.all().size()));
    while (events.runNext(events.nowMicros() + 10_000_000)) {
      // deliver whatever was still in flight: a closed endpoint must receive none of it
    }
    for (int i = 0; i < cell.inboxes.size(); i++) {
      assertFalse(cell.endpoints.get(i).isOpen(), "endpoint " + (i + 1) + " still open");
      assertEquals(
          before.get(i),
          cell.inboxes.get(i).all().size(),
          "closed endpoint " + (i + 1) + " still received messages");
    }
  }
}
