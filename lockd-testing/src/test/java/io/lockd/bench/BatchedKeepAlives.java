package io.lockd.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.CallError;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.KeepAliveBatch;
import io.lockd.proto.v1.KeepAliveBatchResponse;
import io.lockd.proto.v1.KeepAliveEnd;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.server.grpc.GrpcErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * {@link ScaleSessionProcess}'s sessions kept alive on Session.KeepAlives streams, as a client
 * process with many sessions should: one stream to the leader carries them all, and every {@link
 * #TICK_MILLIS} the sender thread sends, in batches, the requests of the sessions due (each every
 * third of its lease, at a phase of its own). A session whose stream inside ended BUSY asks again
 * after a jittered backoff; when the whole stream ends (a leader change) it follows the hint and
 * every session's next request opens its stream at the new leader.
 */
final class BatchedKeepAlives {
  static final long TICK_MILLIS = 20;
  private static final int BATCH = 1_000;

  /** One session kept alive here; fields written by gRPC's thread are volatile. */
  static final class Kept {
    final long id;
    final long intervalMillis;
    volatile long lastSeen;
    volatile boolean gone;
    long requestId; // sender thread
    volatile long retryAtNanos; // after a BUSY ending: not before this

    Kept(long id, long intervalMillis) {
      this.id = id;
      this.intervalMillis = intervalMillis;
    }
  }

  private final ScheduledExecutorService sender;
  private final Function<String, ManagedChannel> channels;
  private final List<String> endpoints;
  private final LongAdder expired;
  private final LongAdder restarts;
  private final LongAdder keepAlives;
  private final Map<String, LongAdder> reasons;
  private final java.util.function.BooleanSupplier closing;
  private final Map<Long, Kept> byId = new ConcurrentHashMap<>();
  private final List<List<Kept>> buckets = new ArrayList<>(); // sender thread
  private volatile String target;
  private volatile boolean stopping;
  private StreamObserver<KeepAliveBatch> stream; // sender thread
  private Answers streamAnswers; // sender thread
  private String streamTarget; // sender thread
  private long tick;

  BatchedKeepAlives(
      ScheduledExecutorService sender,
      Function<String, ManagedChannel> channels,
      List<String> endpoints,
      String leader,
      LongAdder expired,
      LongAdder restarts,
      LongAdder keepAlives,
      Map<String, LongAdder> reasons,
      java.util.function.BooleanSupplier closing) {
    this.sender = sender;
    this.channels = channels;
    this.endpoints = endpoints;
    this.target = leader;
    this.expired = expired;
    this.restarts = restarts;
    this.keepAlives = keepAlives;
    this.reasons = reasons;
    this.closing = closing;
    sender.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Starts keeping {@code k} alive: its first request goes out with the next tick. */
  void add(Kept k, long phaseMillis) {
    byId.put(k.id, k);
    sender.execute(
        () -> {
          int slots = (int) Math.max(1, k.intervalMillis / TICK_MILLIS);
          while (buckets.size() < slots) {
            buckets.add(new ArrayList<>());
          }
          buckets.get((int) ((tick + phaseMillis / TICK_MILLIS) % slots)).add(k);
          send(List.of(k));
        });
  }

  void stop() {
    stopping = true;
    sender.execute(
        () -> {
          if (stream != null) {
            stream.onCompleted();
            stream = null;
          }
        });
  }

  private void tick() {
    if (stopping || buckets.isEmpty()) {
      return;
    }
    List<Kept> due = buckets.get((int) (tick++ % buckets.size()));
    long now = System.nanoTime();
    List<Kept> batch = new ArrayList<>(due.size());
    for (Kept k : due) {
      if (!k.gone && now >= k.retryAtNanos) {
        batch.add(k);
      }
    }
    send(batch);
  }

  private void send(List<Kept> sessions) {
    if (stopping || sessions.isEmpty()) {
      return;
    }
    if (stream == null || !target.equals(streamTarget)) {
      if (stream != null) {
        stream.onCompleted();
      }
      streamTarget = target;
      streamAnswers = new Answers(streamTarget);
      stream = SessionGrpc.newStub(channels.apply(streamTarget)).keepAlives(streamAnswers);
    }
    for (int from = 0; from < sessions.size(); from += BATCH) {
      KeepAliveBatch.Builder b = KeepAliveBatch.newBuilder();
      for (Kept k : sessions.subList(from, Math.min(sessions.size(), from + BATCH))) {
        b.addRequests(
            KeepAliveRequest.newBuilder()
                .setSessionId(k.id)
                .setRequestId(++k.requestId)
                .setLastSeenEventIndex(k.lastSeen));
      }
      stream.onNext(b.build());
    }
  }

  private void count(String why) {
    reasons.computeIfAbsent(why, r -> new LongAdder()).increment();
  }

  /** One KeepAlives stream's answers (gRPC's thread). */
  private final class Answers implements StreamObserver<KeepAliveBatchResponse> {
    private final String to;

    Answers(String to) {
      this.to = to;
    }

    @Override
    public void onNext(KeepAliveBatchResponse r) {
      for (KeepAliveResponse response : r.getResponsesList()) {
        keepAlives.increment();
        Kept k = byId.get(response.getSessionId());
        if (k == null) {
          continue;
        }
        for (Event e : response.getEventsList()) {
          if (e.getType() == EventType.EVENT_TYPE_SESSION_EXPIRED && !k.gone) {
            k.gone = true;
            if (!closing.getAsBoolean()) {
              expired.increment();
            }
          }
          if (e.getType() != EventType.EVENT_TYPE_LEADER_CHANGED) {
            k.lastSeen = Math.max(k.lastSeen, e.getIndex());
          }
        }
      }
      for (KeepAliveEnd end : r.getEndedList()) {
        Kept k = byId.get(end.getSessionId());
        if (k == null || k.gone || stopping || !end.hasError()) {
          continue;
        }
        CallError error = end.getError();
        if (error.getCode() == Status.Code.NOT_FOUND.value()) {
          k.gone = true;
          if (!closing.getAsBoolean()) {
            expired.increment();
          }
          continue;
        }
        restarts.increment();
        count(
            "session "
                + Status.Code.values()[error.getCode()]
                + "/"
                + error.getDetail().getReason());
        boolean busy = error.getDetail().getReason() == ErrorReason.ERROR_REASON_BUSY;
        long delayMillis =
            busy
                ? ThreadLocalRandom.current().nextLong(50, 2_000)
                : ThreadLocalRandom.current().nextLong(k.intervalMillis / 4 + 1);
        k.retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
        sender.schedule(() -> send(List.of(k)), delayMillis, TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void onError(Throwable t) {
      if (stopping) {
        return;
      }
      count("stream " + Status.fromThrowable(t).getCode() + " (" + byId.size() + " sessions)");
      io.grpc.Metadata trailers = Status.trailersFromThrowable(t);
      String hint = trailers == null ? null : trailers.get(GrpcErrors.LEADER_ADDRESS);
      restarts.add(byId.size());
      if (hint != null && !hint.isBlank()) {
        target = hint.strip();
      } else if (to.equals(target)) {
        target = endpoints.get((endpoints.indexOf(to) + 1) % endpoints.size());
      }
      // Every session's next request (at its own phase) opens its stream at the new target.
      sender.execute(
          () -> {
            if (streamAnswers == this) {
              stream = null;
            }
          });
    }

    @Override
    public void onCompleted() {
      onError(Status.UNAVAILABLE.withDescription("stream completed").asRuntimeException());
    }
  }
}
