package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.CallResponse;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveEnd;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.server.grpc.LockdServer;
import io.lockd.testing.InJvmCell;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Admission at the leader: a storm of session creations or KeepAlive stream openings beyond the
 * configured bound is refused at once, RESOURCE_EXHAUSTED with reason BUSY naming the limit, and
 * the client library retries with jittered backoff until it is admitted. Before, every request of a
 * storm went into the leader's loop (21,895 tasks at once in a diagnostic run), heartbeats waited
 * behind them, and leadership moved every few seconds.
 */
class AdmissionTest {
  private static final int BOUND = 3;

  /** Counts BUSY refusals leaving the client port: Calls-stream answers and closed calls. */
  private static final class BusyCounter implements ServerInterceptor {
    final AtomicInteger answers = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      return next.startCall(
          new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(A message) {
              if (message instanceof CallResponse r
                  && r.hasError()
                  && r.getError().getDetail().getReason() == ErrorReason.ERROR_REASON_BUSY) {
                answers.incrementAndGet();
              }
              super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
              ErrorDetail d = trailers.get(Errors.ERROR_DETAIL);
              if (d != null && d.getReason() == ErrorReason.ERROR_REASON_BUSY) {
                closes.incrementAndGet();
              }
              super.close(status, trailers);
            }
          },
          headers);
    }
  }

  private static InJvmCell cell(ServerInterceptor interceptor) throws Exception {
    InJvmCell cell =
        InJvmCell.builder()
            .size(1)
            .clientInterceptor(interceptor)
            .settings(b -> b.maxSessionCreationsInFlight(BOUND).maxKeepaliveOpeningsInFlight(BOUND))
            .start();
    cell.awaitLeader();
    return cell;
  }

  /** Holds the leader's loop until the returned latch is released: requests pile up in flight. */
  private static CountDownLatch holdLoop(LockdServer leader) {
    CountDownLatch release = new CountDownLatch(1);
    assertTrue(
        leader
            .loop()
            .submit(
                r -> {
                  try {
                    release.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
    return release;
  }

  @Test
  void aBurstOfCreationsOverTheBoundIsRefusedBusyAndTheClientStillCreatesEverySession()
      throws Exception {
    int sessions = 20;
    BusyCounter busy = new BusyCounter();
    try (InJvmCell cell = cell(busy)) {
      List<LockClient> clients = new ArrayList<>();
      try {
        LockClient.Builder b =
            Clients.builder(cell).sessionsPerChannel(100).operationTimeout(Duration.ofSeconds(60));
        CountDownLatch release = holdLoop(cell.awaitLeader());
        List<CompletableFuture<Session>> opening = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
          LockClient c = b.clientName("burst-" + i).build();
          clients.add(c);
          opening.add(c.async().session());
        }
        Eventually.await(
            "creations beyond the bound refused at once while the loop is held",
            () -> busy.answers.get() >= sessions - BOUND);
        release.countDown();
        Set<Long> ids = new HashSet<>();
        for (CompletableFuture<Session> f : opening) {
          ids.add(f.get(60, TimeUnit.SECONDS).id());
        }
        assertEquals(sessions, ids.size(), "every session created once");
        Eventually.await(
            "every session connected",
            () -> opening.stream().allMatch(f -> f.join().state() == SessionState.CONNECTED));
        assertEquals(sessions, (int) cell.readLeader(ns -> ns.listSessions().getSessionsCount()));
      } finally {
        for (int i = clients.size() - 1; i >= 0; i--) {
          clients.get(i).close();
        }
      }
    }
  }

  @Test
  void keepAliveOpeningsOverTheBoundAreRefusedAtOnceNamingTheOption() throws Exception {
    int streams = 10;
    try (InJvmCell cell = cell(new BusyCounter());
        LockClient owner = Clients.client(cell)) {
      long session = owner.session().id();
      LockdServer leader = cell.awaitLeader();
      CountDownLatch release = holdLoop(leader);
      ConcurrentLinkedQueue<Throwable> refusals = new ConcurrentLinkedQueue<>();
      List<StreamObserver<KeepAliveRequest>> opened = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        StreamObserver<KeepAliveRequest> requests =
            SessionGrpc.newStub(cell.channel(leader))
                .keepAlive(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(KeepAliveResponse r) {}

                      @Override
                      public void onError(Throwable t) {
                        refusals.add(t);
                      }

                      @Override
                      public void onCompleted() {}
                    });
        requests.onNext(
            KeepAliveRequest.newBuilder().setSessionId(session).setRequestId(1).build());
        opened.add(requests);
      }
      Eventually.await(
          "openings beyond the bound refused while the loop is held",
          () -> refusals.size() >= streams - BOUND);
      release.countDown();
      for (Throwable t : refusals) {
        Status s = Status.fromThrowable(t);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("--max-keepalive-openings-in-flight"), s.toString());
        assertTrue(s.getDescription().contains(" " + BOUND + " "), s.toString());
        ErrorDetail d = Status.trailersFromThrowable(t).get(Errors.ERROR_DETAIL);
        assertEquals(ErrorReason.ERROR_REASON_BUSY, d.getReason());
      }
      opened.forEach(StreamObserver::onCompleted);
    }
  }

  /**
   * A KeepAlives stream is not admitted session by session: its batches wait for the loop, one task
   * per stream at a time. Refusing each session beyond the bound made a leader change with 100,000
   * batched sessions a storm of 1.5 million retried refusals (docs/benchmarks.md, "Scale").
   */
  @Test
  void openingsInOneKeepAlivesBatchWaitForTheLoopInsteadOfBeingRefused() throws Exception {
    int sessions = 10;
    try (InJvmCell cell = cell(new BusyCounter());
        LockClient owner = Clients.client(cell)) {
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        ids.add(
            SessionGrpc.newBlockingStub(cell.channel(cell.awaitLeader()))
                .createSession(CreateSessionRequest.newBuilder().setClientName("b" + i).build())
                .getSessionId());
      }
      LockdServer leader = cell.awaitLeader();
      CountDownLatch release = holdLoop(leader);
      ConcurrentLinkedQueue<KeepAliveResponse> answers = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<KeepAliveEnd> ends = new ConcurrentLinkedQueue<>();
      StreamObserver<KeepAliveBatch> requests =
          SessionGrpc.newStub(cell.channel(leader))
              .keepAlives(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(KeepAliveBatchResponse r) {
                      answers.addAll(r.getResponsesList());
                      ends.addAll(r.getEndedList());
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      KeepAliveBatch.Builder batch = KeepAliveBatch.newBuilder();
      for (long id : ids) {
        batch.addRequests(KeepAliveRequest.newBuilder().setSessionId(id).setRequestId(1));
      }
      requests.onNext(batch.build());
      Thread.sleep(200); // while the loop is held: nothing refused
      assertTrue(ends.isEmpty(), "no session refused: " + ends);
      release.countDown();
      Eventually.await("every session answered", () -> answers.size() >= sessions);
      assertEquals(
          Set.copyOf(ids),
          answers.stream().map(KeepAliveResponse::getSessionId).collect(Collectors.toSet()));
      assertTrue(ends.isEmpty(), "no session refused: " + ends);
      requests.onCompleted();
    }
  }

  @Test
  void aSessionWhoseKeepAliveStreamIsRefusedBusyManyTimesLives() throws Exception {
    int busyTimes = 2 * KeepAliveStream.REFUSALS_BEFORE_GIVING_UP;
    KeepAliveRefusals busyAtFirst =
        new KeepAliveRefusals(
            busyTimes,
            Status.RESOURCE_EXHAUSTED.withDescription("busy (test)"),
            () -> {
              Metadata trailers = new Metadata();
              trailers.put(
                  Errors.ERROR_DETAIL,
                  ErrorDetail.newBuilder()
                      .setReason(ErrorReason.ERROR_REASON_BUSY)
                      .setMessage("busy (test)")
                      .build());
              return trailers;
            });
    try (InJvmCell cell = cell(busyAtFirst);
        LockClient c = Clients.client(cell)) {
      Session s = c.session();
      KeepAliveRefusals.awaitOneOpenStream(
          cell, "the KeepAlive stream opened after the busy refusals");
      assertEquals(SessionState.CONNECTED, s.state());
      assertTrue(busyAtFirst.streams() > busyTimes, "refused " + busyTimes + " times, then opened");
    }
  }
}
