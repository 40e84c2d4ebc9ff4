package io.lockd.server.grpc;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.InJvmCell;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** One KeepAlive stream from the client's side, recording every response and the stream's end. */
final class KeepAliveClient implements AutoCloseable {
  final long sessionId;
  final CompletableFuture<Status> ended = new CompletableFuture<>();

  /** The trailers of the stream's end, if it ended with an error that carried any. */
  volatile Metadata endTrailers;

  private final List<KeepAliveResponse> responses = new ArrayList<>();
  private final StreamObserver<KeepAliveRequest> requests;

  KeepAliveClient(Channel channel, long sessionId) {
    this.sessionId = sessionId;
    this.requests =
        SessionGrpc.newStub(channel)
            .keepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(KeepAliveResponse r) {
                    synchronized (responses) {
                      responses.add(r);
                      responses.notifyAll();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    endTrailers = Status.trailersFromThrowable(t);
                    end(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    end(Status.OK);
                  }
                });
  }

  private void end(Status status) {
    ended.complete(status);
    synchronized (responses) {
      responses.notifyAll();
    }
  }

  synchronized void keepAlive(long lastSeen) {
    requests.onNext(
        KeepAliveRequest.newBuilder()
            .setSessionId(sessionId)
            .setLastSeenEventIndex(lastSeen)
            .build());
  }

  List<KeepAliveResponse> responses() {
    synchronized (responses) {
      return new ArrayList<>(responses);
    }
  }

  List<Event> events() {
    List<Event> out = new ArrayList<>();
    responses().forEach(r -> out.addAll(r.getEventsList()));
    return out;
  }

  /** Waits (bounded) for at least {@code n} responses. */
  List<KeepAliveResponse> awaitResponses(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
    synchronized (responses) {
      while (responses.size() < n && !ended.isDone()) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("fewer than " + n + " KeepAlive responses: " + responses);
        }
        responses.wait(left);
      }
      return new ArrayList<>(responses);
    }
  }

  /** Waits (bounded) for an event that matches. */
  Event awaitEvent(Predicate<Event> match) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(InJvmCell.WAIT_MILLIS);
    synchronized (responses) {
      while (true) {
        for (KeepAliveResponse r : responses) {
          for (Event e : r.getEventsList()) {
            if (match.test(e)) {
              return e;
            }
          }
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || ended.isDone()) {
          throw new AssertionError(
              "no matching event; stream "
                  + (ended.isDone() ? "ended " + ended.join() : "open")
                  + ", got "
                  + responses);
        }
        responses.wait(Math.min(left, 100));
      }
    }
  }

  Status awaitEnd() throws Exception {
    return ended.get(InJvmCell.WAIT_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException e) {
      // already ended
    }
  }
}
