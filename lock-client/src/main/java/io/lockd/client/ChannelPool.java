package io.lockd.client;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The channels of a runtime: one per replica address for up to {@code clientsPerChannel} clients,
 * another set for the next ones. Each client keeps one session, whose KeepAlive stream stays open
 * on the leader's channel; bounding the clients per channel bounds the long-lived streams per
 * connection, so that a server's limit of concurrent calls per connection is never reached by
 * streams alone and unary calls always get through.
 *
 * <p>A client joins a {@link Group} when built and leaves it when closed; the last to leave shuts
 * the group's channels down. Thread-safe.
 */
final class ChannelPool {
  private final Function<String, ManagedChannel> factory;
  private final int clientsPerChannel;
  private final List<Group> groups = new ArrayList<>();

  ChannelPool(Function<String, ManagedChannel> factory, int clientsPerChannel) {
    if (clientsPerChannel < 1) {
      throw new IllegalArgumentException("clientsPerChannel must be at least 1");
    }
    this.factory = factory;
    this.clientsPerChannel = clientsPerChannel;
  }

  /** The first group with room for one more client (a new one if all are full). */
  synchronized Group join() {
    for (Group g : groups) {
      if (g.members < clientsPerChannel) {
        g.members++;
        return g;
      }
    }
    Group g = new Group();
    g.members = 1;
    groups.add(g);
    return g;
  }

  /** How many channel sets are in use (for tests and statistics). */
  synchronized int groupCount() {
    return groups.size();
  }

  /** Waits up to {@code millis} for every channel to terminate; true if all did. */
  static boolean awaitTermination(List<ManagedChannel> channels, long millis)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (ManagedChannel c : channels) {
      long left = end - System.nanoTime();
      if (left <= 0 || !c.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }

  /** One channel per address, shared by the group's clients. */
  final class Group {
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<List<Object>, KeepAliveMux> muxes = new ConcurrentHashMap<>();
    private int members; // guarded by the pool
    private boolean closed; // guarded by the pool

    /** The channel to {@code address}, made on first use. */
    ManagedChannel channel(String address) {
      ManagedChannel c = channels.get(address);
      if (c != null) {
        return c;
      }
      synchronized (ChannelPool.this) {
        if (closed) {
          throw Errors.closed();
        }
        return channels.computeIfAbsent(address, factory);
      }
    }

    /**
     * The KeepAlives stream to {@code address} shared by the group's sessions on loop thread {@code
     * thread} (made by {@code make} if there is none; told how to forget it once idle). Call on
     * {@code thread}: the mux is confined to it.
     */
    KeepAliveMux keepAliveMux(
        String address, Executor thread, Function<Runnable, KeepAliveMux> make) {
      List<Object> key = List.of(address, thread);
      KeepAliveMux mux = muxes.get(key);
      if (mux == null) {
        KeepAliveMux[] made = new KeepAliveMux[1];
        made[0] = make.apply(() -> muxes.remove(key, made[0]));
        mux = made[0];
        muxes.put(key, mux);
      }
      return mux;
    }

    /**
     * A client leaves; the last one shuts the channels down and gets them back, to wait for their
     * end (others get an empty list).
     */
    List<ManagedChannel> leave() {
      synchronized (ChannelPool.this) {
        if (--members > 0) {
          return List.of();
        }
        closed = true;
        groups.remove(this);
        List<ManagedChannel> list = new ArrayList<>(channels.values());
        list.forEach(ManagedChannel::shutdownNow);
        return list;
      }
    }

    List<ManagedChannel> channels() {
      return List.copyOf(channels.values());
    }
  }
}
