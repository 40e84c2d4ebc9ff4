package io.lockd.client.sim;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A channel from one simulated client process to one replica's client port: what the client's
 * {@code ChannelFactory} hands to its {@code LeaderRouter}. Every call is carried by the {@link
 * ClientNetwork}; listener callbacks run on {@code executor} (the client's loop), as the factory's
 * contract requires. Shut down, it refuses new calls as gRPC does (UNAVAILABLE).
 */
final class SimChannel extends ManagedChannel {
  private final ClientNetwork network;
  private final ClientProcess process;
  private final String address;
  private final Executor executor;
  private boolean shutdown;

  SimChannel(ClientNetwork network, ClientProcess process, String address, Executor executor) {
    this.network = network;
    this.process = process;
    this.address = address;
    this.executor = executor;
  }

  @Override
  public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
    return new SimClientCall<>(network, process, address, method, options, executor, shutdown);
  }

  @Override
  public String authority() {
    return address;
  }

  @Override
  public ManagedChannel shutdown() {
    shutdown = true;
    return this;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public ManagedChannel shutdownNow() {
    shutdown = true;
    return this;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }
}
