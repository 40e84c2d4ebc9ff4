package io.lockd.server.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.ReplicaStatus;
import io.lockd.proto.v1.StatusRequest;
import io.lockd.proto.v1.StatusResponse;
import io.lockd.transport.TlsCredentials;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Asks the other members, over their client ports, for their own status entry (the {@value
 * #SCOPE_SELF} scope, so that they do not ask around in turn), each with a short deadline. Channels
 * are opened on first use and kept.
 */
final class PeerStatusFetcher implements AutoCloseable {
  /** Request metadata asking a replica to describe only itself. */
  static final Metadata.Key<String> SCOPE =
      Metadata.Key.of("lockd-status-scope", Metadata.ASCII_STRING_MARSHALLER);

  static final String SCOPE_SELF = "self";

  private final int selfId;
  private final Map<Integer, String> clientAddresses;
  private final long deadlineMillis;
  private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
  private final TlsCredentials tls; // null: plaintext
  private boolean closed;

  /**
   * @param tls this replica's credentials when the cell runs TLS: it presents its own certificate,
   *     and each peer's must name that peer; null for plaintext
   */
  PeerStatusFetcher(
      int selfId, Map<Integer, String> clientAddresses, long deadlineMillis, TlsCredentials tls) {
    this.tls = tls;
    this.selfId = selfId;
    this.clientAddresses = new TreeMap<>(clientAddresses);
    this.deadlineMillis = deadlineMillis;
  }

  /** Every peer's own entry that arrived within the deadline, by id; never fails. */
  CompletableFuture<Map<Integer, ReplicaStatus>> fetchAll() {
    return fetchAll(clientAddresses);
  }

  /**
   * The same for the members of {@code members} (client addresses by id; ids are never reused, so
   * an id's channel stays its own).
   */
  CompletableFuture<Map<Integer, ReplicaStatus>> fetchAll(Map<Integer, String> members) {
    Map<Integer, ReplicaStatus> answers = new TreeMap<>();
    CompletableFuture<Map<Integer, ReplicaStatus>> done = new CompletableFuture<>();
    java.util.List<Integer> others =
        members.entrySet().stream()
            .filter(e -> e.getKey() != selfId && !e.getValue().isEmpty())
            .map(Map.Entry::getKey)
            .toList();
    AtomicInteger left = new AtomicInteger(others.size());
    if (left.get() <= 0) {
      done.complete(answers);
      return done;
    }
    Metadata scope = new Metadata();
    scope.put(SCOPE, SCOPE_SELF);
    for (int id : others) {
      ManagedChannel channel = channel(id, members.get(id));
      if (channel == null) {
        finishOne(left, done, answers);
        continue;
      }
      ClusterGrpc.newStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(scope))
          .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
          .status(
              StatusRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(StatusResponse response) {
                  for (ReplicaStatus r : response.getReplicasList()) {
                    if (r.getId() == id) {
                      synchronized (answers) {
                        answers.put(id, r);
                      }
                    }
                  }
                }

                @Override
                public void onError(Throwable t) {
                  finishOne(left, done, answers);
                }

                @Override
                public void onCompleted() {
                  finishOne(left, done, answers);
                }
              });
    }
    return done;
  }

  private static void finishOne(
      AtomicInteger left,
      CompletableFuture<Map<Integer, ReplicaStatus>> done,
      Map<Integer, ReplicaStatus> answers) {
    if (left.decrementAndGet() == 0) {
      synchronized (answers) {
        done.complete(new TreeMap<>(answers));
      }
    }
  }

  private synchronized ManagedChannel channel(int id, String address) {
    if (closed) {
      return null;
    }
    return channels.computeIfAbsent(
        id,
        peer ->
            (tls == null
                    ? NettyChannelBuilder.forTarget(address).usePlaintext()
                    : NettyChannelBuilder.forTarget(address, tls.toReplica(peer)))
                .disableRetry()
                .build());
  }

  @Override
  public synchronized void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels.values()) {
      try {
        c.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
