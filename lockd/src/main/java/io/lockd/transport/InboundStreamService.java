package io.lockd.transport;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lockd.paxos.Message;
import io.lockd.proto.peer.v1.HelloReply;
import io.lockd.proto.peer.v1.HelloRequest;
import io.lockd.proto.peer.v1.PeerEnvelope;
import io.lockd.proto.peer.v1.PeerServiceGrpc;
import io.lockd.proto.peer.v1.StreamSummary;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of peer streams. Runs behind {@link PeerHandshake}, which has already checked
 * the cell and established who the sender is; each envelope is decoded, checked against that
 * sender, and handed on. A malformed envelope ends the stream with INVALID_ARGUMENT: it means a
 * buggy or incompatible peer, and a loud failure beats silently skipping its messages.
 */
final class InboundStreamService extends PeerServiceGrpc.PeerServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(InboundStreamService.class);

  private final int selfId;
  private final Consumer<Message> deliver;
  private final IntConsumer lost;

  /** @param lost told the sender's id when its stream breaks (not when it ends cleanly) */
  InboundStreamService(int selfId, Consumer<Message> deliver, IntConsumer lost) {
    this.selfId = selfId;
    this.deliver = deliver;
    this.lost = lost;
  }

  /** The handshake interceptor has already accepted the caller; saying so is all that is left. */
  @Override
  public void hello(HelloRequest request, StreamObserver<HelloReply> reply) {
    reply.onNext(HelloReply.getDefaultInstance());
    reply.onCompleted();
  }

  @Override
  public StreamObserver<PeerEnvelope> stream(StreamObserver<StreamSummary> summary) {
    return new Inbound(PeerHandshake.SENDER.get(), summary);
  }

  /** One peer's stream. gRPC calls it serially, so its fields need no locking. */
  private final class Inbound implements StreamObserver<PeerEnvelope> {
    private final int sender;
    private final StreamObserver<StreamSummary> summary;
    private long received;
    private boolean failed;

    Inbound(int sender, StreamObserver<StreamSummary> summary) {
      this.sender = sender;
      this.summary = summary;
    }

    @Override
    public void onNext(PeerEnvelope env) {
      if (failed) {
        return;
      }
      Message m;
      try {
        m = decode(env);
      } catch (MalformedMessageException e) {
        failed = true;
        log.warn("replica {} ended the stream from peer {}: {}", selfId, sender, e.getMessage());
        summary.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
        return;
      }
      received++;
      deliver.accept(m);
    }

    private Message decode(PeerEnvelope env) {
      if (env.getFrom() != sender || env.getTo() != selfId) {
        throw new MalformedMessageException(
            String.format(
                "envelope %d->%d on the stream from replica %d to replica %d",
                env.getFrom(), env.getTo(), sender, selfId));
      }
      return PeerMessageCodec.decode(env);
    }

    @Override
    public void onError(Throwable t) {
      // The sender went away or cancelled; it redials on its own, nothing to answer.
      log.debug(
          "replica {}: stream from peer {} ended: {}", selfId, sender, Status.fromThrowable(t));
      lost.accept(sender);
    }

    @Override
    public void onCompleted() {
      if (!failed) {
        summary.onNext(StreamSummary.newBuilder().setReceived(received).build());
        summary.onCompleted();
      }
    }
  }
}
