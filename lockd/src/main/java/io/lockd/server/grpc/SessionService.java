package io.lockd.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.CallRequest;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CloseSessionResponse;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.CreateSessionResponse;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.server.EventSink;
import io.lockd.server.KeepAliveStream;
import io.lockd.server.Reply;
import io.lockd.server.ServerError;

/**
 * lockd.v1.Session over the cell. A KeepAlive stream becomes a {@link KeepAliveStream} on the
 * replica's loop; its requests, readiness changes and end are queued there in order, and the loop
 * answers through a {@link GrpcEventSink}.
 */
final class SessionService extends SessionGrpc.SessionImplBase {
  private final CellGateway gateway;
  private final int selfId;
  private final int maxCallsPerStream;
  private final Admission admission;

  SessionService(CellGateway gateway, int selfId, int maxCallsPerStream, Admission admission) {
    this.gateway = gateway;
    this.selfId = selfId;
    this.maxCallsPerStream = maxCallsPerStream;
    this.admission = admission;
  }

  @Override
  public StreamObserver<CallRequest> calls(StreamObserver<CallResponse> out) {
    return new CallStream(
        gateway, (ServerCallStreamObserver<CallResponse>) out, maxCallsPerStream, admission);
  }

  @Override
  public void createSession(CreateSessionRequest r, StreamObserver<CreateSessionResponse> out) {
    ServerError busy = admission.admitCreation();
    if (busy != null) {
      out.onError(gateway.errors().toStatus(busy));
      return;
    }
    String caller = CallerIdentity.current();
    Reply<CreateSessionResponse> reply = Admission.counted(gateway.reply(out), admission);
    gateway.run(reply, cell -> cell.createSession(caller, r, reply));
  }

  @Override
  public void closeSession(CloseSessionRequest r, StreamObserver<CloseSessionResponse> out) {
    String caller = CallerIdentity.current();
    gateway.run(out, cell -> cell.closeSession(caller, r, gateway.reply(out)));
  }

  @Override
  public StreamObserver<KeepAliveRequest> keepAlive(StreamObserver<KeepAliveResponse> out) {
    String caller = CallerIdentity.current();
    GrpcEventSink sink =
        new GrpcEventSink((ServerCallStreamObserver<KeepAliveResponse>) out, gateway.errors());
    Holder holder = new Holder();
    boolean[] first = {true}; // gRPC delivers one stream's messages one at a time
    sink.call.setOnReadyHandler(
        () -> {
          if (sink.takeWaiting()) { // only if a push found the transport full
            gateway.submit(
                cell -> {
                  if (holder.stream != null) {
                    holder.stream.onReady();
                  }
                });
          }
        });
    sink.call.setOnCancelHandler(
        () -> {
          sink.markClosed();
          gateway.submit(
              cell -> {
                if (holder.stream != null) {
                  holder.stream.onClosed();
                }
              });
        });
    return new StreamObserver<>() {
      @Override
      public void onNext(KeepAliveRequest request) {
        boolean opening = first[0];
        first[0] = false;
        if (opening) {
          ServerError busy = admission.admitOpening();
          if (busy != null) {
            sink.fail(gateway.errors().toStatus(busy));
            return;
          }
        }
        boolean queued =
            gateway.submit(
                cell -> {
                  if (opening) {
                    admission.openingDone();
                  }
                  if (holder.stream == null) {
                    holder.stream = cell.openKeepAlive(caller, sink);
                  }
                  holder.stream.onRequest(request);
                });
        if (!queued) {
          if (opening) {
            admission.openingDone();
          }
          // A lost KeepAlive must not go unnoticed: end the stream so that the client reconnects.
          sink.fail(gateway.errors().overloaded(selfId));
        }
      }

      @Override
      public void onError(Throwable t) {
        sink.markClosed();
        gateway.submit(
            cell -> {
              if (holder.stream != null) {
                holder.stream.onClosed();
              }
            });
      }

      @Override
      public void onCompleted() {
        gateway.submit(
            cell -> {
              if (holder.stream != null) {
                holder.stream.onClosed();
              }
              sink.close(null);
            });
      }
    };
  }

  @Override
  public StreamObserver<KeepAliveBatch> keepAlives(StreamObserver<KeepAliveBatchResponse> out) {
    return new KeepAliveMux(
        gateway,
        selfId,
        CallerIdentity.current(),
        (ServerCallStreamObserver<KeepAliveBatchResponse>) out);
  }

  /** The loop's handle on one stream; touched only on the loop thread. */
  private static final class Holder {
    KeepAliveStream stream;
  }

  /** The gRPC side of a KeepAlive stream ({@link OutboundStream} serializes every call on it). */
  static final class GrpcEventSink implements EventSink {
    final ServerCallStreamObserver<KeepAliveResponse> call;
    private final OutboundStream<KeepAliveResponse> out;
    private final GrpcErrors errors;

    GrpcEventSink(ServerCallStreamObserver<KeepAliveResponse> call, GrpcErrors errors) {
      this.call = call;
      this.out = new OutboundStream<>(call);
      this.errors = errors;
    }

    @Override
    public boolean ready() {
      return out.ready();
    }

    /** True once after a push found the transport full: the next onReady should push again. */
    boolean takeWaiting() {
      return out.takeWaiting();
    }

    @Override
    public boolean closed() {
      return out.closed();
    }

    @Override
    public void send(KeepAliveResponse response) {
      out.send(response);
    }

    @Override
    public void close(ServerError error) {
      out.end(error == null ? null : errors.toStatus(error));
    }

    void fail(Throwable status) {
      out.end(status);
    }

    void markClosed() {
      out.markClosed();
    }
  }
}
