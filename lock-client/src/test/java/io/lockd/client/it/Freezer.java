package io.lockd.client.it;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.client.ChannelFactory;

/**
 * Simulates a process pause (a long GC) of one client. While frozen, any gRPC activity of the
 * client blocks the thread doing it; every such activity runs on the client's loop thread, so the
 * whole client stops: no KeepAlives, no timers, no events, exactly as if its process were paused.
 * {@link #thaw} lets it run on, late. Each freezer's {@link #channels} is a factory of its own, so
 * its client gets a runtime (and a loop thread) of its own: freezing it stops no other client.
 */
public final class Freezer implements ClientInterceptor {
  private final Object lock = new Object();
  private boolean frozen;

  public void freeze() {
    synchronized (lock) {
      frozen = true;
    }
  }

  public void thaw() {
    synchronized (lock) {
      frozen = false;
      lock.notifyAll();
    }
  }

  private void awaitThaw() {
    synchronized (lock) {
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (frozen && System.nanoTime() < deadline) {
        try {
          lock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Plain-text channels through this freezer. */
  public ChannelFactory channels() {
    return (address, executor) ->
        Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
            .executor(executor)
            .intercept(this)
            .build();
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<A> listener, Metadata headers) {
        awaitThaw();
        super.start(
            new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(A message) {
                awaitThaw();
                super.onMessage(message);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                awaitThaw();
                super.onClose(status, trailers);
              }
            },
            headers);
      }

      @Override
      public void sendMessage(Q message) {
        awaitThaw();
        super.sendMessage(message);
      }
    };
  }
}
