package io.lockd.transport;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.lockd.paxos.Message;
import io.lockd.proto.peer.v1.HelloRequest;
import io.lockd.proto.peer.v1.PeerEnvelope;
import io.lockd.proto.peer.v1.PeerServiceGrpc;
import io.lockd.proto.peer.v1.StreamSummary;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A process on a replica's peer port that claims to be another replica, as the probe of issue 9
 * did: it speaks the handshake from peer.proto's comments (or sends whatever headers a test gives
 * it) and sends envelopes it made itself with the real codec. Every call is bounded in time.
 */
public final class ForgingPeer implements AutoCloseable {
  private static final long CALL_SECONDS = 10;

  private final ManagedChannel channel;
  private final Metadata headers;

  /**
   * @param peerAddress the target's peer address; it is told the sender is {@code claimedId}
   */
  public ForgingPeer(String peerAddress, String cell, int claimedId, int targetId) {
    this(peerAddress, headers(cell, claimedId, targetId));
  }

  /** A peer that opens its calls with {@code headers}, whatever they say. */
  public ForgingPeer(String peerAddress, Metadata headers) {
    this.channel = NettyChannelBuilder.forTarget(peerAddress).usePlaintext().build();
    this.headers = headers;
  }

  /** The handshake headers as peer.proto describes them, spelled out by name. */
  private static Metadata headers(String cell, int claimedId, int targetId) {
    Metadata headers = new Metadata();
    put(headers, "lockd-peer-protocol", "1");
    put(headers, "lockd-cell", cell);
    put(headers, "lockd-sender-id", Integer.toString(claimedId));
    put(headers, "lockd-receiver-id", Integer.toString(targetId));
    return headers;
  }

  private static void put(Metadata headers, String key, String value) {
    headers.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
  }

  /** The handshake alone: OK if the target would take a stream from the claimed id now. */
  public Status hello() {
    try {
      PeerServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
          .hello(HelloRequest.getDefaultInstance());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /**
   * Opens a stream, sends {@code messages} and half-closes it; returns how the target ended the
   * stream (OK once it took every envelope off the wire and handed it on).
   */
  public Status send(Message... messages) throws Exception {
    PeerEnvelope[] envelopes = new PeerEnvelope[messages.length];
    for (int i = 0; i < messages.length; i++) {
      envelopes[i] = PeerMessageCodec.encode(messages[i]);
    }
    return send(envelopes);
  }

  /** As {@link #send(Message...)}, with envelopes made by the caller, malformed ones included. */
  public Status send(PeerEnvelope... envelopes) throws Exception {
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<PeerEnvelope> stream =
        PeerServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS)
            .stream(
                new StreamObserver<StreamSummary>() {
                  @Override
                  public void onNext(StreamSummary summary) {}

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(Status.OK);
                  }
                });
    for (PeerEnvelope env : envelopes) {
      stream.onNext(env);
    }
    stream.onCompleted();
    return ended.get(CALL_SECONDS + 1, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the test is being stopped: leave the rest to it
    }
  }
}
