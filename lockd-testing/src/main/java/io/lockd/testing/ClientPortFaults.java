package io.lockd.testing;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Faults a test injects at the edge of real replicas' client ports, as a {@link ServerInterceptor}
 * on each (see {@link #interceptor}): the server behind it runs unchanged, so what a client sees is
 * what a real cell would do under that fault. One instance serves a whole cell; every switch but
 * {@link #setDown} applies to every replica.
 *
 * <ul>
 *   <li>{@link #silenceKeepAliveAnswers}: KeepAlive requests still reach the server (which extends
 *       the lease as usual) but no KeepAlive response reaches the client: its lease runs out.
 *   <li>{@link #duplicateKeepAliveResponses}: every KeepAlive response is sent twice.
 *   <li>{@link #loseAnswers}: the server executes the next mutations and their answers are replaced
 *       by UNAVAILABLE, as if the connection broke after the command was applied.
 *   <li>{@link #holdAnswers}: the next mutations' answers wait for {@link #releaseHeldAnswers}.
 *   <li>{@link #holdPushes}: events pushed on a KeepAlive stream wait for the stream's next answer
 *       to a request, so they travel only with answers.
 *   <li>{@link #setDown}: the replica answers every call UNAVAILABLE and ends its open streams.
 *   <li>{@link #hideLeaderHints}: refusals carry no leader id or address.
 *   <li>{@link #requests}: how many requests each method received (each message of a stream; a
 *       request on a Calls stream counts for the unary method it stands for).
 * </ul>
 *
 * <p>"Mutations" are the exactly-once requests, those whose request carries a RequestHeader; an
 * answer counts as executed unless it is UNAVAILABLE (a refusal such as NOT_LEADER executes nothing
 * and is passed on untouched).
 */
public final class ClientPortFaults {
  /** The description of an answer replaced by {@link #loseAnswers}. */
  public static final String LOST_ANSWER = "answer lost after execution (test fault)";

  enum AnswerFault {
    PASS,
    LOSE,
    HOLD
  }

  private final Object lock = new Object();
  private boolean keepAliveAnswersSilenced;
  private boolean keepAliveResponsesDuplicated;
  private boolean pushesHeld;
  private boolean hintsHidden;
  private int answersToLose;
  private int answersToHold;
  private final List<Runnable> heldAnswers = new ArrayList<>();
  private final Set<Integer> down = new TreeSet<>();
  private final Map<Integer, Map<String, Integer>> requests = new TreeMap<>();
  private final Set<FaultyCall<?, ?>> open = ConcurrentHashMap.newKeySet();

  /** The interceptor for replica {@code replica}'s client port. */
  public ServerInterceptor interceptor(int replica) {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (isDown(replica)) {
          call.close(downStatus(replica), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        FaultyCall<Q, A> faulty = new FaultyCall<>(call, ClientPortFaults.this, replica);
        open.add(faulty);
        return new Listener<>(next.startCall(faulty, headers), faulty);
      }
    };
  }

  /** Passes the client's side of a call on, unless a fault ended the call. */
  private static final class Listener<Q>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final FaultyCall<Q, ?> call;

    Listener(ServerCall.Listener<Q> delegate, FaultyCall<Q, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      // A replica that is down executes nothing, not even what was on its way.
      if (!call.endedByFault()) {
        call.received(message);
        super.onMessage(message);
      }
    }

    @Override
    public void onHalfClose() {
      if (!call.endedByFault()) {
        super.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      call.gone();
      super.onCancel();
    }

    @Override
    public void onComplete() {
      call.gone();
      super.onComplete();
    }
  }

  private static Status downStatus(int replica) {
    return Status.UNAVAILABLE.withDescription("replica " + replica + " is down (test fault)");
  }

  /** KeepAlive responses are dropped (requests still reach the server) while on. */
  public void silenceKeepAliveAnswers(boolean silenced) {
    synchronized (lock) {
      keepAliveAnswersSilenced = silenced;
    }
  }

  /** Every KeepAlive response is sent twice while on (a transport that repeats itself). */
  public void duplicateKeepAliveResponses(boolean duplicated) {
    synchronized (lock) {
      keepAliveResponsesDuplicated = duplicated;
    }
  }

  /**
   * While on, a KeepAlive response that answers no request (a push of new events) waits and goes
   * out just before the stream's next answer; turned off, the held pushes go out at once.
   */
  public void holdPushes(boolean held) {
    synchronized (lock) {
      pushesHeld = held;
    }
    if (!held) {
      open.forEach(FaultyCall::flushPushes);
    }
  }

  /** While on, refusals carry no leader hint (neither in trailers nor in a Calls-stream error). */
  public void hideLeaderHints(boolean hidden) {
    synchronized (lock) {
      hintsHidden = hidden;
    }
  }

  /** The next {@code count} executed mutations' answers are replaced by UNAVAILABLE. */
  public void loseAnswers(int count) {
    synchronized (lock) {
      answersToLose = count;
    }
  }

  /** The next {@code count} executed mutations' answers wait for {@link #releaseHeldAnswers}. */
  public void holdAnswers(int count) {
    synchronized (lock) {
      answersToHold = count;
    }
  }

  /** How many answers wait now. */
  public int heldAnswers() {
    synchronized (lock) {
      return heldAnswers.size();
    }
  }

  /** Sends every held answer, in the order they were held (to calls that are still open). */
  public void releaseHeldAnswers() {
    List<Runnable> release;
    synchronized (lock) {
      release = List.copyOf(heldAnswers);
      heldAnswers.clear();
    }
    release.forEach(Runnable::run);
  }

  /**
   * Takes replica {@code replica} down (every new call answered UNAVAILABLE, open calls and streams
   * ended UNAVAILABLE, nothing more executed) or up again. Its server runs on: it may still lead.
   */
  public void setDown(int replica, boolean isDown) {
    synchronized (lock) {
      if (isDown) {
        down.add(replica);
      } else {
        down.remove(replica);
      }
    }
    if (isDown) {
      for (FaultyCall<?, ?> c : open) {
        if (c.replica() == replica) {
          c.endByFault(downStatus(replica));
        }
      }
    }
  }

  public boolean isDown(int replica) {
    synchronized (lock) {
      return down.contains(replica);
    }
  }

  /** Requests for {@code method} received by every replica so far (refused ones included). */
  public int requests(MethodDescriptor<?, ?> method) {
    synchronized (lock) {
      int n = 0;
      for (Map<String, Integer> byMethod : requests.values()) {
        n += byMethod.getOrDefault(method.getFullMethodName(), 0);
      }
      return n;
    }
  }

  /** Requests for {@code method} received by replica {@code replica} so far. */
  public int requests(int replica, MethodDescriptor<?, ?> method) {
    synchronized (lock) {
      return requests.getOrDefault(replica, Map.of()).getOrDefault(method.getFullMethodName(), 0);
    }
  }

  /** Requests of every method received by replica {@code replica} so far. */
  public int requests(int replica) {
    synchronized (lock) {
      return requests.getOrDefault(replica, Map.of()).values().stream().mapToInt(n -> n).sum();
    }
  }

  /** Every switch off, every replica up, held answers and pushes sent, counts back to zero. */
  public void reset() {
    synchronized (lock) {
      keepAliveAnswersSilenced = false;
      keepAliveResponsesDuplicated = false;
      hintsHidden = false;
      answersToLose = 0;
      answersToHold = 0;
      down.clear();
      requests.clear();
    }
    holdPushes(false);
    releaseHeldAnswers();
  }

  // ------------------------------------------------------------- what FaultyCall asks

  void counted(int replica, String method) {
    synchronized (lock) {
      requests.computeIfAbsent(replica, r -> new TreeMap<>()).merge(method, 1, Integer::sum);
    }
  }

  /** What happens to an executed mutation's answer; each call takes one from the budgets. */
  AnswerFault answerFault() {
    synchronized (lock) {
      if (answersToLose > 0) {
        answersToLose--;
        return AnswerFault.LOSE;
      }
      if (answersToHold > 0) {
        answersToHold--;
        return AnswerFault.HOLD;
      }
      return AnswerFault.PASS;
    }
  }

  void hold(Runnable send) {
    synchronized (lock) {
      heldAnswers.add(send);
    }
  }

  boolean keepAliveAnswersSilenced() {
    synchronized (lock) {
      return keepAliveAnswersSilenced;
    }
  }

  boolean keepAliveResponsesDuplicated() {
    synchronized (lock) {
      return keepAliveResponsesDuplicated;
    }
  }

  boolean pushesHeld() {
    synchronized (lock) {
      return pushesHeld;
    }
  }

  boolean hintsHidden() {
    synchronized (lock) {
      return hintsHidden;
    }
  }

  void closed(FaultyCall<?, ?> call) {
    open.remove(call);
  }
}
