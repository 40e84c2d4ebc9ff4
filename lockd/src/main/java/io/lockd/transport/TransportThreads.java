package io.lockd.transport;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every thread one {@link GrpcPeerTransport} runs on. gRPC would otherwise borrow process-wide
 * shared pools that outlive the transport; owning them lets {@code close()} prove that nothing of
 * the transport is left running. All are daemon threads named {@value #NAME_PREFIX}..., so that a
 * forgotten close never keeps the JVM alive and a leak is easy to spot in a thread dump.
 */
final class TransportThreads {
  static final String NAME_PREFIX = "lockd-peer-";
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final EventLoopGroup io;
  private final ScheduledThreadPoolExecutor outbound;
  private final ThreadPoolExecutor offload;

  TransportThreads(int selfId) {
    String prefix = NAME_PREFIX + selfId + "#" + INSTANCES.incrementAndGet() + "-";
    // One I/O thread: a replica talks to a handful of peers, and the machine may host several
    // replicas on two cores.
    io =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory(prefix + "io", true), ioHandlers());
    outbound = new ScheduledThreadPoolExecutor(1, named(prefix + "out"));
    outbound.setRemoveOnCancelPolicy(true);
    // Name resolution may block on DNS; it gets its own thread, which exists only while needed.
    offload =
        new ThreadPoolExecutor(
            0, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), named(prefix + "resolve"));
  }

  /**
   * Native epoll where the platform has it (as gRPC itself chooses for its default threads): fewer
   * system calls per message than NIO's selector. NIO elsewhere.
   */
  private static IoHandlerFactory ioHandlers() {
    return Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /** The socket type that goes with {@link #io()}. */
  static Class<? extends Channel> socketChannelType() {
    return Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** The listening socket type that goes with {@link #io()}. */
  static Class<? extends ServerChannel> serverChannelType() {
    return Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** Netty's event loop, for the server's sockets and every channel's. */
  EventLoopGroup io() {
    return io;
  }

  /** Runs outbound stream callbacks, queue draining and redial timers: one thread, in order. */
  ScheduledThreadPoolExecutor outbound() {
    return outbound;
  }

  /** For work gRPC may block on, such as resolving a peer's host name. */
  ThreadPoolExecutor offload() {
    return offload;
  }

  /** Stops every thread, waiting until {@code deadlineNanos}; returns whether all have ended. */
  boolean shutdown(long deadlineNanos) throws InterruptedException {
    io.shutdownGracefully(0, remainingNanos(deadlineNanos), TimeUnit.NANOSECONDS);
    for (ExecutorService e : List.of(outbound, offload)) {
      e.shutdownNow();
    }
    boolean done = io.awaitTermination(remainingNanos(deadlineNanos), TimeUnit.NANOSECONDS);
    for (ExecutorService e : List.of(outbound, offload)) {
      done &= e.awaitTermination(remainingNanos(deadlineNanos), TimeUnit.NANOSECONDS);
    }
    return done;
  }

  /** Asks every thread to stop without waiting, for when waiting was interrupted. */
  void abandon() {
    io.shutdownGracefully(0, 0, TimeUnit.NANOSECONDS);
    for (ExecutorService e : List.of(outbound, offload)) {
      e.shutdownNow();
    }
  }

  boolean isTerminated() {
    return io.isTerminated() && outbound.isTerminated() && offload.isTerminated();
  }

  static long remainingNanos(long deadlineNanos) {
    return Math.max(0, deadlineNanos - System.nanoTime());
  }

  private static ThreadFactory named(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
