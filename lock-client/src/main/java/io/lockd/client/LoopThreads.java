package io.lockd.client;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loop threads of a runtime: netty event loops, each one a client loop for the clients pinned
 * to it and, for the channels the library builds itself, also the thread that reads and writes
 * their sockets. A call's request then goes from the client's state to the socket, and its answer
 * back, without changing threads.
 *
 * <p>Each client is pinned to the loop with the fewest clients, so that its state stays confined to
 * one thread. Epoll when the platform has it (as gRPC chooses by default), else NIO.
 */
final class LoopThreads {
  private final EventLoopGroup group;
  private final Class<? extends Channel> socketChannelType;
  private final List<EventLoop> loops = new ArrayList<>();
  private final int[] pinned;

  /**
   * @param name the threads' names: {@code name} for one thread, {@code name-i} for several
   */
  LoopThreads(String name, int threads) {
    AtomicInteger count = new AtomicInteger();
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    socketChannelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    group =
        new MultiThreadIoEventLoopGroup(
            threads,
            r -> {
              Thread t =
                  new FastThreadLocalThread(
                      r, threads == 1 ? name : name + "-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            io);
    for (EventExecutor e : group) {
      loops.add((EventLoop) e);
    }
    pinned = new int[loops.size()];
  }

  EventLoopGroup group() {
    return group;
  }

  /** The socket type that goes with these loops. */
  Class<? extends Channel> socketChannelType() {
    return socketChannelType;
  }

  /** The loop with the fewest clients, now one more. */
  synchronized EventLoop pin() {
    int best = 0;
    for (int i = 1; i < pinned.length; i++) {
      if (pinned[i] < pinned[best]) {
        best = i;
      }
    }
    pinned[best]++;
    return loops.get(best);
  }

  synchronized void unpin(EventLoop loop) {
    pinned[loops.indexOf(loop)]--;
  }

  /**
   * Stops the threads (after the tasks already queued); true if they ended within {@code millis}.
   */
  boolean shutdown(long millis) throws InterruptedException {
    return group.shutdownGracefully(0, millis, TimeUnit.MILLISECONDS).await(millis);
  }
}
