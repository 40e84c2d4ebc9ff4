package io.lockd.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads and channels behind one or more {@link LockClient}s: loop threads ({@link
 * LoopThreads}), callback threads ({@link CallbackThreads}) and channels ({@link ChannelPool}).
 * Clients of one cell built alike share one runtime ({@link SharedRuntimes}); a client that opts
 * out has one of its own. Each client {@link #attach}es: it is pinned to one loop thread, gets an
 * ordered queue on the callback threads and joins a set of channels; {@link #detach} undoes that,
 * and the last client to detach stops the threads.
 *
 * <p>Tests only: {@link #outside} makes a runtime without threads, whose one client runs on
 * executors supplied from outside (the deterministic simulation).
 */
final class ClientRuntime {
  private static final Logger log = LoggerFactory.getLogger(ClientRuntime.class);
  private static final long STOP_MILLIS = 5_000;

  private final String name;
  private final LoopThreads loops; // null for an outside runtime
  private final CallbackThreads callbacks; // likewise
  private final Attachment outside; // its one client's attachment, or null
  private final ChannelPool channels;
  private int clients; // guarded by this
  private boolean stopped; // guarded by this

  /** What a client gets from its runtime. */
  record Attachment(Loop loop, Dispatcher dispatcher, ChannelPool.Group channels) {}

  /**
   * A runtime with threads: {@code name-loop} and {@code name-events} (numbered if more than one).
   */
  ClientRuntime(
      String name,
      ChannelFactory factory,
      int loopThreads,
      int callbackThreads,
      int clientsPerChannel) {
    this.name = name;
    this.loops = new LoopThreads(name + "-loop", loopThreads);
    this.callbacks = new CallbackThreads(name + "-events", callbackThreads);
    this.outside = null;
    Executor channelExecutor = loops.group().next();
    this.channels =
        new ChannelPool(
            factory instanceof NettyChannels p
                ? address -> p.create(address, channelExecutor, loops)
                : address -> factory.create(address, channelExecutor),
            clientsPerChannel);
  }

  private ClientRuntime(
      String name,
      ChannelFactory factory,
      Executor loopTasks,
      Executor callbackTasks,
      Consumer<Throwable> loopFailures) {
    this.name = name;
    this.loops = null;
    this.callbacks = null;
    Loop loop = new Loop(loopTasks, loopFailures);
    this.channels = new ChannelPool(address -> factory.create(address, loop), 1);
    this.outside = new Attachment(loop, new Dispatcher(callbackTasks), channels.join());
  }

  /** Tests only: a runtime for one client whose tasks and callbacks run on these executors. */
  static ClientRuntime outside(
      String name,
      ChannelFactory factory,
      Executor loopTasks,
      Executor callbackTasks,
      Consumer<Throwable> loopFailures) {
    return new ClientRuntime(name, factory, loopTasks, callbackTasks, loopFailures);
  }

  /** Counts one more client; false if the runtime has stopped (its last client detached). */
  synchronized boolean retain() {
    if (stopped) {
      return false;
    }
    clients++;
    return true;
  }

  /** Pins a retained client to a loop thread and gives it callbacks and channels. */
  Attachment attach() {
    if (outside != null) {
      return outside;
    }
    EventLoop pinned = loops.pin();
    return new Attachment(new Loop(pinned), new Dispatcher(callbacks), channels.join());
  }

  /**
   * A client is done (its loop closed): waits (bounded) for its queued callbacks, leaves its
   * channels (shut down if it was their last client) and, if it was the runtime's last client,
   * stops the threads. Never on a loop or callback thread.
   */
  void detach(Attachment a) {
    try {
      a.dispatcher().shutdown();
      if (!a.dispatcher().awaitTermination(STOP_MILLIS, TimeUnit.MILLISECONDS)) {
        log.warn("a lockd callback is still running after {} ms; interrupting it", STOP_MILLIS);
        a.dispatcher().shutdownNow();
      }
      List<ManagedChannel> ending = a.channels().leave();
      if (!ChannelPool.awaitTermination(ending, STOP_MILLIS)) {
        log.warn("some lockd channels did not terminate within {} ms", STOP_MILLIS);
      }
      if (loops != null) {
        loops.unpin(a.loop().eventLoop());
      }
      if (release()) {
        SharedRuntimes.forget(
            this); // outside this runtime's lock: retain() takes the two the other way
        stopThreads();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One client fewer; true if it was the last (the runtime is then stopped for good). */
  private synchronized boolean release() {
    if (--clients > 0) {
      return false;
    }
    stopped = true;
    return true;
  }

  private void stopThreads() throws InterruptedException {
    if (loops != null && !loops.shutdown(STOP_MILLIS)) {
      log.warn("{}: loop threads did not stop within {} ms", name, STOP_MILLIS);
    }
    if (callbacks != null && !callbacks.shutdown(STOP_MILLIS)) {
      log.warn("{}: callback threads did not stop within {} ms", name, STOP_MILLIS);
    }
  }

  String name() {
    return name;
  }

  ChannelPool channels() {
    return channels;
  }

  synchronized int clients() {
    return clients;
  }

  @Override
  public String toString() {
    return "ClientRuntime{" + name + ", " + clients() + " clients}";
  }
}
