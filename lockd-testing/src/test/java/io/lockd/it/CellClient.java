package io.lockd.it;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.GetStatRequest;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.ReplicaRole;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.StatusRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Raw gRPC access to a cell, as a client library would do it: one channel per member, calls go to
 * the member believed to lead; UNAVAILABLE with a leader hint (trailers {@code lockd-leader-id},
 * {@code lockd-leader-address}) moves the belief there, UNAVAILABLE without one (no leader known,
 * member down) tries the next member after a short pause. Mutating calls are retried with the same
 * request (same session and sequence number), which the cell applies at most once.
 */
public final class CellClient implements AutoCloseable {
  static final Metadata.Key<String> LEADER_ADDRESS =
      Metadata.Key.of("lockd-leader-address", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> STATUS_SCOPE =
      Metadata.Key.of("lockd-status-scope", Metadata.ASCII_STRING_MARSHALLER);
  private static final long NO_HINT_PAUSE_MILLIS = 10;

  private final List<String> addresses;
  private final Map<Status.Code, LongAdder> retried = new ConcurrentHashMap<>();
  private final Map<String, ManagedChannel> channels = new TreeMap<>();
  private volatile String leader;

  public CellClient(Map<Integer, String> clientAddresses) {
    this.addresses = List.copyOf(new TreeMap<>(clientAddresses).values());
    for (String address : addresses) {
      channels.put(address, NettyChannelBuilder.forTarget(address).usePlaintext().build());
    }
    this.leader = addresses.get(0);
  }

  public List<String> addresses() {
    return addresses;
  }

  public ManagedChannel channel(String address) {
    ManagedChannel c = channels.get(address);
    if (c == null) {
      throw new IllegalArgumentException("not a member's client address: " + address);
    }
    return c;
  }

  /** The member currently believed to lead. */
  public String leader() {
    return leader;
  }

  /** Follows a failure: to the hinted leader if the status names one, else to the next member. */
  public void redirect(String failedAddress, Throwable failure) {
    String hint = hint(failure);
    if (hint != null && channels.containsKey(hint)) {
      leader = hint;
    } else if (failedAddress.equals(leader)) {
      leader = addresses.get((addresses.indexOf(failedAddress) + 1) % addresses.size());
    }
  }

  /** The leader address a failure names, or null. */
  static String hint(Throwable failure) {
    if (failure == null) {
      return null;
    }
    Metadata trailers = Status.trailersFromThrowable(failure);
    return trailers == null ? null : trailers.get(LEADER_ADDRESS);
  }

  /** True for failures after which the same request may be sent again (to another member). */
  static boolean retryable(Status.Code code) {
    return code == Status.Code.UNAVAILABLE
        || code == Status.Code.DEADLINE_EXCEEDED
        || code == Status.Code.RESOURCE_EXHAUSTED
        || code == Status.Code.CANCELLED;
  }

  /**
   * Runs {@code call} on the leader's channel until it succeeds, fails for a reason other than
   * leadership or overload, or {@code timeoutMillis} pass (then the last failure is thrown). Each
   * attempt should set its own deadline on its stub.
   */
  public <T> T call(Function<Channel, T> call, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    long maxAttempts = Math.max(10, timeoutMillis); // at least 1 ms passes per failed attempt
    StatusRuntimeException last = null;
    for (long attempt = 0; attempt < maxAttempts && System.nanoTime() < deadline; attempt++) {
      String target = leader;
      try {
        return call.apply(channel(target));
      } catch (StatusRuntimeException e) {
        if (!retryable(e.getStatus().getCode())
            && !(e.getStatus().getCause() instanceof java.io.IOException)) { // a killed peer
          throw e;
        }
        last = e;
        retried.computeIfAbsent(e.getStatus().getCode(), c -> new LongAdder()).increment();
        redirect(target, e);
        if (hint(e) == null || e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          Thread.sleep(NO_HINT_PAUSE_MILLIS);
        } else {
          Thread.sleep(1);
        }
      }
    }
    throw new AssertionError(
        "no success within " + timeoutMillis + " ms; last failure: " + last, last);
  }

  /** How many attempts failed and were retried, by status code (for benchmarks' diagnostics). */
  public Map<Status.Code, Long> retried() {
    Map<Status.Code, Long> out = new TreeMap<>();
    retried.forEach((code, n) -> out.put(code, n.sum()));
    return out;
  }

  /** Each running member's own status entry ({@code lockd-status-scope: self}), by id. */
  public Map<Integer, ReplicaStatus> selfStatuses(long attemptMillis) {
    Metadata scope = new Metadata();
    scope.put(STATUS_SCOPE, "self");
    Map<Integer, ReplicaStatus> out = new TreeMap<>();
    for (String address : addresses) {
      try {
        ReplicaStatus self =
            ClusterGrpc.newBlockingStub(channel(address))
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(scope))
                .withDeadlineAfter(attemptMillis, TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance())
                .getReplicas(0);
        out.put(self.getId(), self);
      } catch (StatusRuntimeException e) {
        // down or busy: absent from the answer
      }
    }
    return out;
  }

  /**
   * The id of the member that leads: a read succeeds through it and it reports itself LEADER.
   * Bounded by {@code timeoutMillis}.
   */
  public int awaitLeaderId(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (int attempt = 0; attempt < 1_000 && System.nanoTime() < deadline; attempt++) {
      call(
          ch ->
              NodeGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .getStat(GetStatRequest.newBuilder().setPath("/").build()),
          timeoutMillis);
      for (ReplicaStatus s : selfStatuses(1_000).values()) {
        if (s.getAddress().equals(leader) && s.getRole() == ReplicaRole.REPLICA_ROLE_LEADER) {
          return s.getId();
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no member confirmed that it leads within " + timeoutMillis + " ms");
  }

  /**
   * Waits (bounded) until {@code members} members answer and all report one applied slot and their
   * state checksum there (a replica reports it once it has taken it: after a moment of idleness);
   * returns their entries, or throws with the last answers.
   */
  public Map<Integer, ReplicaStatus> awaitSameAppliedSlot(int members, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    Map<Integer, ReplicaStatus> last = Map.of();
    for (int attempt = 0; attempt < 10_000 && System.nanoTime() < deadline; attempt++) {
      last = selfStatuses(1_000);
      if (last.size() == members
          && last.values().stream().map(ReplicaStatus::getAppliedSlot).distinct().count() == 1
          && last.values().stream().allMatch(r -> r.getStateChecksum() != 0)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the members did not reach one applied slot within " + timeoutMillis + " ms: " + last);
  }

  @Override
  public void close() {
    List<ManagedChannel> all = new ArrayList<>(channels.values());
    all.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : all) {
      try {
        c.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
