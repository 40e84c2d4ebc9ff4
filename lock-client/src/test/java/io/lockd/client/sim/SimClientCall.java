package io.lockd.client.sim;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The client's half of a simulated call, with {@link ClientCall}'s contract as the real client
 * relies on it: every listener callback runs on the channel's executor, one at a time, never
 * re-entering the caller; messages are delivered only as far as {@link #request} allows, and the
 * server's close only after the messages before it; {@code onClose} comes exactly once and last,
 * also after {@link #cancel} (CANCELLED), at the deadline (DEADLINE_EXCEEDED, measured on the
 * machine's clock through the deadline's ticker) and after a reset (UNAVAILABLE), in which cases
 * undelivered messages are dropped.
 */
final class SimClientCall<Q, A> extends ClientCall<Q, A> {
  private record Inbound(int kind, byte[] message, Status status, byte[][] metadata) {}

  private final ClientNetwork network;
  private final ClientProcess process;
  private final MethodDescriptor<Q, A> method;
  private final CallOptions options;
  private final Executor executor;
  private final boolean channelShutdown;
  private final Wire wire;
  private final ArrayDeque<Inbound> inbound = new ArrayDeque<>();
  private Listener<A> listener;
  private int requested;
  private boolean started;
  private boolean halfClosed;
  private boolean cancelCalled;

  /** The close is decided: nothing more reaches the listener but that close. */
  private boolean done;

  private boolean drainQueued;
  private Runnable deadlineTimer = () -> {};

  SimClientCall(
      ClientNetwork network,
      ClientProcess process,
      String address,
      MethodDescriptor<Q, A> method,
      CallOptions options,
      Executor executor,
      boolean channelShutdown) {
    this.network = network;
    this.process = process;
    this.method = method;
    this.options = options;
    this.executor = executor;
    this.channelShutdown = channelShutdown;
    this.wire = new Wire(process.id, network.replicaAt(address), method.getFullMethodName());
    wire.clientHalf = this;
  }

  @Override
  public void start(Listener<A> listener, Metadata headers) {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    this.listener = listener;
    if (channelShutdown) {
      closeNow(Status.UNAVAILABLE.withDescription("Channel shutdown invoked"));
      return;
    }
    if (wire.replica < 0) {
      closeNow(Status.UNAVAILABLE.withDescription("unknown host"));
      return;
    }
    Deadline deadline = options.getDeadline();
    if (deadline != null) {
      long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
      if (left <= 0) {
        closeNow(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded before the call"));
        return;
      }
      deadlineTimer = process.clock.schedule(left, () -> executor.execute(() -> expire(left)));
    }
    byte[][] head = ClientNetwork.headerBytes(headers);
    network.toServer(
        wire,
        Wire.OPEN,
        null,
        () -> network.arrive(wire, method.getFullMethodName(), ClientNetwork.metadata(head)));
  }

  @Override
  public void request(int n) {
    if (!started) {
      throw new IllegalStateException("not started");
    }
    requested += n;
    queueDrain();
  }

  @Override
  public void sendMessage(Q message) {
    if (!started || halfClosed || cancelCalled) {
      throw new IllegalStateException(
          "sendMessage after " + (!started ? "no start" : halfClosed ? "halfClose" : "cancel"));
    }
    if (done) {
      return; // the call ended; gRPC drops the message quietly
    }
    byte[] bytes = ClientNetwork.bytes(method.streamRequest(message));
    if (network.trace().printing()) {
      network
          .trace()
          .log(
              network.events().nowMicros(),
              "c"
                  + process.id
                  + " -> r"
                  + wire.replica
                  + " "
                  + method.getBareMethodName()
                  + " "
                  + message.toString().replace('\n', ' '));
    }
    network.toServer(
        wire,
        Wire.MESSAGE,
        bytes,
        () -> {
          if (wire.serverHalf != null) {
            wire.serverHalf.onClientMessage(bytes);
          }
        });
  }

  @Override
  public void halfClose() {
    if (!started || halfClosed || cancelCalled) {
      throw new IllegalStateException("halfClose twice or after cancel");
    }
    halfClosed = true;
    if (!done) {
      network.toServer(
          wire,
          Wire.HALF_CLOSE,
          null,
          () -> {
            if (wire.serverHalf != null) {
              wire.serverHalf.onClientHalfClose();
            }
          });
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (cancelCalled) {
      return;
    }
    cancelCalled = true;
    if (!started || done) {
      return;
    }
    Status status = Status.CANCELLED;
    if (message != null) {
      status = status.withDescription(message);
    }
    if (cause != null) {
      status = status.withCause(cause);
    }
    closeNow(status);
    sendCancel();
  }

  @Override
  public boolean isReady() {
    return started && !done && !halfClosed;
  }

  // ---- from the network (any time) --------------------------------------------------------------

  void onHeaders(byte[][] headers) {
    receive(new Inbound(Wire.HEADERS, null, null, headers));
  }

  void onServerMessage(byte[] message) {
    receive(new Inbound(Wire.MESSAGE, message, null, null));
  }

  void onServerClose(Status status, byte[][] trailers) {
    receive(new Inbound(Wire.CLOSE, null, status, trailers));
  }

  /** The connection failed under the call (reset, or the replica's process died). */
  void onReset(Status status) {
    closeNow(status);
  }

  private void receive(Inbound item) {
    if (!done) {
      inbound.add(item);
      queueDrain();
    }
  }

  // ---- on the client's loop ---------------------------------------------------------------------

  private void queueDrain() {
    if (!drainQueued && !inbound.isEmpty()) {
      drainQueued = true;
      executor.execute(this::drain);
    }
  }

  private void drain() {
    drainQueued = false;
    while (!done && !inbound.isEmpty()) {
      Inbound item = inbound.peek();
      switch (item.kind()) {
        case Wire.HEADERS -> {
          inbound.poll();
          listener.onHeaders(ClientNetwork.metadata(item.metadata()));
        }
        case Wire.MESSAGE -> {
          if (requested == 0) {
            return;
          }
          requested--;
          inbound.poll();
          A message = method.parseResponse(new ByteArrayInputStream(item.message()));
          if (network.trace().printing()) {
            network
                .trace()
                .log(
                    network.events().nowMicros(),
                    "c"
                        + process.id
                        + " <- r"
                        + wire.replica
                        + " "
                        + method.getBareMethodName()
                        + " "
                        + message.toString().replace('\n', ' '));
          }
          listener.onMessage(message);
        }
        default -> {
          inbound.poll();
          done = true;
          deadlineTimer.run();
          if (network.trace().printing()) {
            network
                .trace()
                .log(
                    network.events().nowMicros(),
                    "c"
                        + process.id
                        + " <- r"
                        + wire.replica
                        + " "
                        + method.getBareMethodName()
                        + " close "
                        + item.status());
          }
          listener.onClose(item.status(), ClientNetwork.metadata(item.metadata()));
        }
      }
    }
  }

  private void expire(long timeoutNanos) {
    if (!done) {
      closeNow(
          Status.DEADLINE_EXCEEDED.withDescription(
              "deadline exceeded after " + timeoutNanos + "ns (simulated)"));
      sendCancel();
    }
  }

  /** Ends the call now: whatever is undelivered is dropped, the listener hears the close next. */
  private void closeNow(Status status) {
    if (done) {
      return;
    }
    if (network.trace().printing()) {
      network
          .trace()
          .log(
              network.events().nowMicros(),
              "c"
                  + process.id
                  + " x r"
                  + wire.replica
                  + " "
                  + method.getBareMethodName()
                  + " closed locally: "
                  + status);
    }
    done = true;
    inbound.clear();
    deadlineTimer.run();
    executor.execute(() -> listener.onClose(status, new Metadata()));
  }

  private void sendCancel() {
    network.toServer(
        wire,
        Wire.CANCEL,
        null,
        () -> {
          if (wire.serverHalf != null) {
            wire.serverHalf.onCancelled();
          }
        });
  }
}
