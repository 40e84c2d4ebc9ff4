package io.lockd.bench;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.lockd.it.CellClient;
import io.lockd.proto.v1.CloseSessionRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.CreateSessionResponse;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.server.grpc.GrpcErrors;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One client process of {@link ScaleBenchmark}: creates {@code count} sessions and keeps each alive
 * on its own KeepAlive stream, as a client library would (a request every third of the lease), over
 * a few shared connections (at most {@link #STREAMS_PER_CONNECTION} streams each, under the
 * server's default {@code --max-calls-per-connection}). One thread sends every KeepAlive. Prints
 * {@code created N MILLIS} once all exist, then, when a line {@code stop} arrives on stdin (or
 * after {@code maxSeconds}), closes them and prints {@code done expired=E restarts=R keepalives=K}:
 * E counts sessions the cell reported expired while kept alive (spurious expiries), R streams that
 * ended and were reopened.
 *
 * <p>Arguments: endpoints (comma-separated), count, requested lease in ms, name prefix, maxSeconds,
 * and how to keep the sessions alive: {@code streams} (a KeepAlive stream each, as above) or {@code
 * batched} (Session.KeepAlives, {@link BatchedKeepAlives}).
 */
public final class ScaleSessionProcess {
  static final int STREAMS_PER_CONNECTION = 5_000;
  private static final int CREATORS = 16;
  private static final long CALL_MILLIS = 30_000;
  private static final Metadata.Key<String> LEADER_ADDRESS =
      Metadata.Key.of("lockd-leader-address", Metadata.ASCII_STRING_MARSHALLER);

  private final LongAdder expired = new LongAdder();
  private final LongAdder restarts = new LongAdder();
  private final LongAdder keepAlives = new LongAdder();
  private final Map<String, List<ManagedChannel>> channels = new TreeMap<>();
  private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
  private volatile boolean stopping;
  private volatile boolean closing; // closing the sessions: their ends are not spurious
  private final Map<String, LongAdder> reasons = new java.util.concurrent.ConcurrentHashMap<>();
  private final boolean batched;
  private volatile BatchedKeepAlives batch; // when batched: made at the first session

  private ScaleSessionProcess(boolean batched) {
    this.batched = batched;
  }

  public static void main(String[] args) throws Exception {
    List<String> endpoints = List.of(args[0].split(","));
    int count = Integer.parseInt(args[1]);
    long leaseMillis = Long.parseLong(args[2]);
    String name = args[3];
    long maxSeconds = Long.parseLong(args[4]);
    boolean batched = args.length > 5 && args[5].equals("batched");
    Map<Integer, String> addresses = new TreeMap<>();
    for (int i = 0; i < endpoints.size(); i++) {
      addresses.put(i + 1, endpoints.get(i));
    }
    new ScaleSessionProcess(batched).run(addresses, count, leaseMillis, name, maxSeconds);
    System.exit(0);
  }

  private void run(
      Map<Integer, String> addresses, int count, long leaseMillis, String name, long maxSeconds)
      throws Exception {
    try (CellClient cell = new CellClient(addresses)) {
      long start = System.nanoTime();
      Kept[] sessions = new Kept[count];
      AtomicInteger next = new AtomicInteger();
      ExecutorService creators = Executors.newFixedThreadPool(CREATORS);
      List<Throwable> failures = new ArrayList<>();
      for (int t = 0; t < CREATORS; t++) {
        creators.execute(
            () -> {
              try {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                  sessions[i] = create(cell, name + "-" + i, leaseMillis, i);
                }
              } catch (Throwable e) {
                synchronized (failures) {
                  failures.add(e);
                }
              }
            });
      }
      creators.shutdown();
      creators.awaitTermination(1, TimeUnit.HOURS);
      if (!failures.isEmpty()) {
        throw new IllegalStateException("creating sessions failed", failures.get(0));
      }
      System.out.printf(
          "created %d %d%n", count, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      System.out.flush();
      awaitStop(maxSeconds);
      long expiredWhileKept = expired.sum();
      long restartsWhileKept = restarts.sum();
      // Closed while still kept alive: no session runs out its lease while the others are closed,
      // and the ends the closes cause are not counted.
      closing = true;
      closeAll(cell, sessions);
      stopping = true;
      if (batch != null) {
        batch.stop();
      }
      sender.shutdown();
      sender.awaitTermination(10, TimeUnit.SECONDS);
      sender.shutdownNow();
      for (Kept k : sessions) {
        k.stop();
      }
      System.out.printf(
          "done expired=%d restarts=%d keepalives=%d why=%s%n",
          expiredWhileKept, restartsWhileKept, keepAlives.sum(), new TreeMap<>(reasons));
      System.out.flush();
      channels.values().forEach(list -> list.forEach(ManagedChannel::shutdownNow));
    }
  }

  private static void awaitStop(long maxSeconds) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
    while (System.nanoTime() < end) {
      if (in.ready()) {
        String line = in.readLine();
        if (line == null || line.strip().equals("stop")) {
          return;
        }
      } else {
        Thread.sleep(50);
      }
    }
  }

  private Kept create(CellClient cell, String clientName, long leaseMillis, int i)
      throws InterruptedException {
    CreateSessionRequest r =
        CreateSessionRequest.newBuilder()
            .setClientName(clientName)
            .setRequestedLeaseMillis(leaseMillis)
            .build();
    CreateSessionResponse created =
        cell.call(
            ch ->
                SessionGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(StackBenchmark.ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                    .createSession(r),
            CALL_MILLIS);
    long interval = Math.max(1, created.getLeaseMillis() / 3);
    Kept k = new Kept(created.getSessionId(), cell.leader(), i, interval);
    if (batched) {
      batchedKeeper(cell)
          .add(
              new BatchedKeepAlives.Kept(created.getSessionId(), interval),
              new SplittableRandom(i).nextLong(interval));
      return k; // for closing at the end; its own stream is never opened
    }
    sender.execute(k::open);
    sender.scheduleAtFixedRate(
        k::send, new SplittableRandom(i).nextLong(interval), interval, TimeUnit.MILLISECONDS);
    return k;
  }

  private synchronized BatchedKeepAlives batchedKeeper(CellClient cell) {
    if (batch == null) {
      batch =
          new BatchedKeepAlives(
              sender,
              address -> channel(address, 0),
              cell.addresses(),
              cell.leader(),
              expired,
              restarts,
              keepAlives,
              reasons,
              () -> closing);
    }
    return batch;
  }

  private synchronized ManagedChannel channel(String address, int i) {
    List<ManagedChannel> list = channels.computeIfAbsent(address, a -> new ArrayList<>());
    int slot = i / STREAMS_PER_CONNECTION;
    while (list.size() <= slot) {
      list.add(NettyChannelBuilder.forTarget(address).usePlaintext().build());
    }
    return list.get(slot);
  }

  private static void closeAll(CellClient cell, Kept[] sessions) throws InterruptedException {
    ExecutorService closers = Executors.newFixedThreadPool(CREATORS);
    for (Kept k : sessions) {
      closers.execute(
          () -> {
            CloseSessionRequest r =
                CloseSessionRequest.newBuilder()
                    .setHeader(RequestHeader.newBuilder().setSessionId(k.id).setSequence(1))
                    .build();
            try {
              cell.call(
                  ch ->
                      SessionGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(StackBenchmark.ATTEMPT_MILLIS, TimeUnit.MILLISECONDS)
                          .closeSession(r),
                  CALL_MILLIS);
            } catch (RuntimeException | InterruptedException e) {
              // already gone: the count above said whether it expired while kept
            }
          });
    }
    closers.shutdown();
    closers.awaitTermination(10, TimeUnit.MINUTES);
  }

  /** One session and its KeepAlive stream; stream calls happen on the sender thread only. */
  private final class Kept implements StreamObserver<KeepAliveResponse> {
    final long id;
    final int index;
    final long intervalMillis;
    volatile String target;
    volatile long lastSeen;
    volatile boolean gone;
    private StreamObserver<KeepAliveRequest> requests;
    private long requestId;
    private int busyInARow;

    Kept(long id, String target, int index, long intervalMillis) {
      this.id = id;
      this.target = target;
      this.index = index;
      this.intervalMillis = intervalMillis;
    }

    void open() {
      if (gone || stopping) {
        return;
      }
      requests = SessionGrpc.newStub(channel(target, index)).keepAlive(this);
      send();
    }

    void send() {
      if (gone || stopping || requests == null) {
        return;
      }
      requests.onNext(
          KeepAliveRequest.newBuilder()
              .setSessionId(id)
              .setRequestId(++requestId)
              .setLastSeenEventIndex(lastSeen)
              .build());
    }

    void stop() {
      gone = true;
    }

    @Override
    public void onNext(KeepAliveResponse r) {
      keepAlives.increment();
      for (Event e : r.getEventsList()) {
        if (e.getType() == EventType.EVENT_TYPE_SESSION_EXPIRED && !gone) {
          gone = true;
          if (!closing) {
            expired.increment();
          }
        }
        if (e.getType() != EventType.EVENT_TYPE_LEADER_CHANGED) {
          lastSeen = Math.max(lastSeen, e.getIndex());
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      if (gone || stopping) {
        return;
      }
      Status status = Status.fromThrowable(t);
      if (status.getCode() == Status.Code.NOT_FOUND) {
        gone = true;
        if (!closing) {
          expired.increment();
        }
        return;
      }
      reasons.computeIfAbsent("stream " + status.getCode(), r -> new LongAdder()).increment();
      Metadata trailers = Status.trailersFromThrowable(t);
      String hint = trailers == null ? null : trailers.get(LEADER_ADDRESS);
      if (hint != null && !hint.isBlank()) {
        target = hint.strip();
      }
      restarts.increment();
      sender.schedule(this::reopen, reopenDelayMillis(status, trailers), TimeUnit.MILLISECONDS);
    }

    /**
     * As the Java client does: a stream the leader refused BUSY (its admission limit) is reopened
     * after a jittered, growing backoff; one that follows a leader change after a random part of a
     * quarter of the KeepAlive interval, so that the new leader sees them spread out.
     */
    private long reopenDelayMillis(Status status, Metadata trailers) {
      ErrorDetail detail = trailers == null ? null : trailers.get(GrpcErrors.ERROR_DETAIL);
      if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
          && detail != null
          && detail.getReason() == ErrorReason.ERROR_REASON_BUSY) {
        long ceiling = Math.min(2_000, 50L << Math.min(busyInARow++, 6));
        return ThreadLocalRandom.current().nextLong(50, ceiling + 1);
      }
      busyInARow = 0;
      return ThreadLocalRandom.current().nextLong(intervalMillis / 4 + 1);
    }

    private void reopen() {
      requests = null;
      open();
    }

    @Override
    public void onCompleted() {
      onError(Status.UNAVAILABLE.withDescription("stream completed").asRuntimeException());
    }
  }
}
