package io.lockd.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the next request goes: the replica believed to lead, else the configured endpoints in turn.
 * Beliefs come from answers (only a leader answers session and node requests) and from the hints
 * non-leaders attach to UNAVAILABLE. A hint may name an address that is not configured (a replica
 * advertising another interface); at most {@link #HINTED_MAX} such addresses are kept.
 *
 * <p>Channels come from the client's channel group ({@link ChannelPool.Group}), which may serve
 * other clients too: every call names this client's loop as its executor ({@link #callOptions}), so
 * that its callbacks run there whoever else uses the channel. Loop thread only.
 */
final class LeaderRouter {
  static final int HINTED_MAX = 16;
  private static final Logger log = LoggerFactory.getLogger(LeaderRouter.class);

  // Written on the loop, read by any thread (LockClient#endpoints): an immutable list.
  private volatile List<String> configured;
  private final List<String> hinted = new ArrayList<>();
  private final ChannelPool.Group channels;
  private final CallOptions callOptions;
  private final Executor loopThread; // the thread the loop runs on, shared with other clients
  private final List<Runnable> leaderListeners = new ArrayList<>();
  private String leader;
  private int cursor;
  private boolean shutdown;

  /**
   * @param loop the executor of every call's callbacks: the client's loop
   */
  LeaderRouter(List<String> endpoints, ChannelPool.Group channels, Executor loop) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    this.configured = List.copyOf(endpoints);
    this.channels = channels;
    this.callOptions = CallOptions.DEFAULT.withExecutor(loop);
    this.loopThread = loop instanceof Loop l && l.eventLoop() != null ? l.eventLoop() : loop;
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
    return channels.channel(address);
  }

  /**
   * A session's KeepAlive stream to {@code address} on the KeepAlives stream it shares with the
   * other sessions on this loop thread ({@link KeepAliveMux}); {@code clock} times the gathering of
   * a batch when the loop has no thread of its own (a simulation).
   */
  ClientCall<KeepAliveRequest, KeepAliveResponse> keepAliveCall(String address, ClientClock clock) {
    ManagedChannel channel = channel(address);
    BiConsumer<Long, Runnable> scheduler =
        loopThread instanceof EventLoop thread
            ? (delay, task) -> thread.schedule(task, delay, TimeUnit.NANOSECONDS)
            : (delay, task) -> clock.schedule(delay, task);
    return channels
        .keepAliveMux(
            address, loopThread, idle -> new KeepAliveMux(channel, loopThread, scheduler, idle))
        .newCall();
  }

  /**
   * The cell's members are now at {@code endpoints} (from its configuration, {@link
   * EndpointRefresh}): a replica added since the client started is tried, a removed one no more.
   * Ignored if empty. The believed leader stays until it fails or another is named.
   */
  void updateEndpoints(List<String> endpoints) {
    if (endpoints.isEmpty() || endpoints.equals(configured)) {
      return;
    }
    log.info("endpoints are now {} (were {})", endpoints, configured);
    String next = configured.get(cursor % configured.size());
    configured = List.copyOf(endpoints);
    hinted.removeAll(configured);
    cursor = Math.max(0, configured.indexOf(next));
  }

  /** The options of every call: callbacks on the client's loop; made once. */
  CallOptions callOptions() {
    return callOptions;
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
        hinted.remove(0);
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

  /** No more calls: the client is closing (its channel group is left by the runtime). */
  void shutdown() {
    shutdown = true;
  }
}
