package io.lockd.client.sim;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.lockd.server.grpc.CallerIdentity;
import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;

/**
 * The server's half of a simulated call: the {@link ServerCall} the production service adapters
 * ({@code SessionService}, {@code LockService}, ... through gRPC's own {@code ServerCalls}
 * handlers) answer on. Inbound messages are delivered as far as the handler requested them, the
 * half-close after them; a cancel from the client (or a reset) drops what is undelivered and tells
 * the handler ({@code onCancel}). What the handler sends goes back over the {@link ClientNetwork}.
 * Its misuses fail as in gRPC's {@code ServerCallImpl} (a second close, a message after the close).
 */
final class SimServerCall<Q, A> extends ServerCall<Q, A> {
  private static final Object HALF_CLOSE = new Object();

  private final ClientNetwork network;
  private final Wire wire;
  private final ClientNetwork.Endpoint endpoint;
  private final MethodDescriptor<Q, A> method;
  private final ArrayDeque<Object> inbound = new ArrayDeque<>();
  private Listener<Q> listener;
  private int requested;
  private boolean drainQueued;
  private boolean cancelled;
  private boolean closed;

  private SimServerCall(
      ClientNetwork network,
      Wire wire,
      ClientNetwork.Endpoint endpoint,
      MethodDescriptor<Q, A> method) {
    this.network = network;
    this.wire = wire;
    this.endpoint = endpoint;
    this.method = method;
  }

  /** Starts a call on the handler, or answers UNIMPLEMENTED for a method nobody serves. */
  static SimServerCall<?, ?> start(
      ClientNetwork network,
      Wire wire,
      ClientNetwork.Endpoint endpoint,
      ServerMethodDefinition<?, ?> definition,
      Metadata headers) {
    if (definition == null) {
      byte[][] none = ClientNetwork.headerBytes(new Metadata());
      network.toClient(
          wire,
          Wire.CLOSE,
          null,
          () ->
              wire.clientHalf.onServerClose(
                  Status.UNIMPLEMENTED.withDescription(
                      "method not served by the simulated replica"),
                  none));
      return null;
    }
    return startOn(network, wire, endpoint, definition, headers);
  }

  private static <Q, A> SimServerCall<Q, A> startOn(
      ClientNetwork network,
      Wire wire,
      ClientNetwork.Endpoint endpoint,
      ServerMethodDefinition<Q, A> definition,
      Metadata headers) {
    SimServerCall<Q, A> call =
        new SimServerCall<>(network, wire, endpoint, definition.getMethodDescriptor());
    endpoint.calls.add(call);
    // The simulated client port authenticates each client process as its own identity, as TLS
    // would from its certificate (CallerIdentity is where authentication leaves it).
    Context authenticated =
        Context.current().withValue(CallerIdentity.KEY, AclProbes.identity(wire.client));
    call.listener =
        Contexts.interceptCall(authenticated, call, headers, definition.getServerCallHandler());
    call.listener.onReady();
    return call;
  }

  Wire wire() {
    return wire;
  }

  // ---- from the client --------------------------------------------------------------------------

  void onClientMessage(byte[] bytes) {
    receive(bytes);
  }

  void onClientHalfClose() {
    receive(HALF_CLOSE);
  }

  /** The client cancelled, or the connection was reset. */
  void onCancelled() {
    if (closed || cancelled || endpoint.dead) {
      return;
    }
    cancelled = true;
    inbound.clear();
    endpoint.calls.remove(this);
    listener.onCancel();
  }

  private void receive(Object item) {
    if (closed || cancelled || endpoint.dead) {
      return;
    }
    inbound.add(item);
    queueDrain();
  }

  private void queueDrain() {
    if (!drainQueued && !inbound.isEmpty()) {
      drainQueued = true;
      network.events().after(0, this::drain);
    }
  }

  private void drain() {
    drainQueued = false;
    while (!cancelled && !endpoint.dead && !inbound.isEmpty()) {
      Object item = inbound.peek();
      if (item == HALF_CLOSE) {
        inbound.poll();
        listener.onHalfClose();
        continue;
      }
      if (requested == 0) {
        return;
      }
      requested--;
      inbound.poll();
      listener.onMessage(method.parseRequest(new ByteArrayInputStream((byte[]) item)));
    }
  }

  // ---- from the handler -------------------------------------------------------------------------

  @Override
  public void request(int n) {
    requested += n;
    queueDrain();
  }

  @Override
  public void sendHeaders(Metadata headers) {
    if (closed) {
      throw new IllegalStateException("call is closed");
    }
    byte[][] bytes = ClientNetwork.headerBytes(headers);
    network.toClient(wire, Wire.HEADERS, null, () -> wire.clientHalf.onHeaders(bytes));
  }

  @Override
  public void sendMessage(A message) {
    if (closed) {
      throw new IllegalStateException("call is closed");
    }
    if (cancelled || endpoint.dead) {
      return;
    }
    byte[] bytes = ClientNetwork.bytes(method.streamResponse(message));
    network.toClient(wire, Wire.MESSAGE, bytes, () -> wire.clientHalf.onServerMessage(bytes));
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (closed) {
      throw new IllegalStateException("call already closed");
    }
    closed = true;
    endpoint.calls.remove(this);
    if (cancelled || endpoint.dead) {
      return;
    }
    Status sent = ClientNetwork.onTheWire(status);
    byte[][] bytes = ClientNetwork.headerBytes(trailers);
    network.toClient(wire, Wire.CLOSE, null, () -> wire.clientHalf.onServerClose(sent, bytes));
    network.events().after(0, () -> listener.onComplete());
  }

  @Override
  public boolean isReady() {
    return !closed && !cancelled && !endpoint.dead;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public MethodDescriptor<Q, A> getMethodDescriptor() {
    return method;
  }

  @Override
  public Attributes getAttributes() {
    return Attributes.EMPTY;
  }

  @Override
  public String getAuthority() {
    return "r" + wire.replica;
  }
}
