package io.lockd.client;

import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the next request goes: the replica believed to lead, else the configured endpoints in
 * turn. Beliefs come from answers (only a leader answers session and node requests) and from the
 * hints non-leaders attach to UNAVAILABLE. A hint may name an address that is not configured (a
 * replica advertising another interface); at most {@link #HINTED_MAX} such addresses are kept.
 *
 * <p>Channels are made on first use and kept until {@link #shutdown}. Loop thread only.
 */
final class LeaderRouter {
  static final int HINTED_MAX = 16;
  private static final Logger log = LoggerFactory.getLogger(LeaderRouter.class);

  private final List<String> configured;
  private final List<String> hinted = new ArrayList<>();
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
  private final ChannelFactory factory;
  private final Executor executor;
  private final List<Runnable> leaderListeners = new ArrayList<>();
  private String leader;
  private int cursor;
  private boolean shutdown;

  LeaderRouter(List<String> endpoints, ChannelFactory factory, Executor executor) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    this.configured = List.copyOf(endpoints);
    this.factory = factory;
    this.executor = executor;
  }

  /** The address the next attempt should go to. */
  String target() {
    return leader != null ? leader : configured.get(cursor % configured.size());
  }

  /** The believed leader, or null. */
  String leader() {
    return leader;
  }

  List<String> endpoints() {
    return configured;
  }

  int endpointCount() {
    return configured.size();
  }

  ManagedChannel channel(String address) {
    if (shutdown) {
      throw Errors.closed();
    }
    return channels.computeIfAbsent(address, a -> factory.create(a, executor));
  }

  /** Runs {@code listener} (on the loop) whenever the believed leader changes to a new address. */
  void addLeaderListener(Runnable listener) {
    leaderListeners.add(listener);
  }

  void removeLeaderListener(Runnable listener) {
    leaderListeners.remove(listener);
  }

  /** {@code address} answered a leader-only request: it leads. */
  void confirmed(String address) {
    setLeader(address);
  }

  /** A non-leader named {@code hint} as the leader. */
  void redirected(String hint) {
    if (!configured.contains(hint) && !hinted.contains(hint)) {
      if (hinted.size() >= HINTED_MAX) {
        channels.remove(hinted.remove(0));
      }
      hinted.add(hint);
    }
    setLeader(hint);
  }

  /** {@code address} could not serve (unreachable, or not the leader and no hint): move on. */
  void failed(String address) {
    if (address.equals(leader)) {
      leader = null;
    }
    int i = configured.indexOf(address);
    if (i >= 0 && i == cursor % configured.size()) {
      cursor = (cursor + 1) % configured.size();
    }
  }

  private void setLeader(String address) {
    if (address.equals(leader)) {
      return;
    }
    log.debug("leader is now believed to be {}", address);
    leader = address;
    for (Runnable l : List.copyOf(leaderListeners)) {
      l.run();
    }
  }

  void shutdown() {
    shutdown = true;
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
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

  List<ManagedChannel> channels() {
    return List.copyOf(channels.values());
  }
}
