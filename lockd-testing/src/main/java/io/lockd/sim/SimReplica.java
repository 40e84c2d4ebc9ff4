package io.lockd.sim;

import io.lockd.paxos.Message;
import io.lockd.paxos.PaxosConfig;
import io.lockd.replica.ProposalCallback;
import io.lockd.replica.Replica;
import io.lockd.replica.ReplicaOptions;
import io.lockd.replica.SnapshotEncoder;
import io.lockd.storage.RecoveredState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated replica process: the production {@link Replica} driver with simulated clock, disk
 * and network. It can crash (losing unsynced writes and all memory), restart from its store, and
 * pause (a frozen process whose clock keeps running, so it sees time jump when it resumes).
 */
public final class SimReplica {
  /** Production's defaults: {@code --tick-ms} and {@code ReplicaLoop}'s longest sleep. */
  private static final long TICK_MIN_MILLIS = 5;

  private static final long IDLE_TICK_MILLIS = 1_000;

  public final int id;
  final SimClock clock;
  final SimDisk disk;
  private final EventQueue events;
  private final PaxosConfig config;
  private final ReplicaOptions options;
  private final ChosenChecker chosen;
  private final java.util.function.Supplier<SimHost> hosts;
  private final SplittableRandom random;
  private final SimTransport transport;

  private Replica replica;
  private SimHost host;
  private long generation;

  /** The longest a snapshot's encoding takes, in simulated milliseconds. */
  private static final long MAX_ENCODE_MILLIS = 300;

  private boolean paused;
  private boolean tickScheduled;
  private long tickDue;
  private long lastTick;
  private final List<Runnable> deferred = new ArrayList<>();
  long crashes;

  /** Told when this replica crashes (a workload ends the connections its process had). */
  public Runnable onCrash = () -> {};

  SimReplica(
      int id,
      EventQueue events,
      SimNetwork network,
      SimClock clock,
      SimDisk disk,
      PaxosConfig config,
      ReplicaOptions options,
      ChosenChecker chosen,
      java.util.function.Supplier<SimHost> hosts,
      SplittableRandom random) {
    this.id = id;
    this.events = events;
    this.clock = clock;
    this.disk = disk;
    this.config = config;
    this.options = options;
    this.chosen = chosen;
    this.hosts = hosts;
    this.random = random;
    this.transport = new SimTransport(network, id);
    transport.start(
        m -> input(() -> replica.onMessage(m)), peer -> input(() -> replica.onPeerLost(peer)));
  }

  void start() {
    RecoveredState recovered = disk.store().recover();
    long gen = ++generation;
    disk.connect(
        chosen.view(id, recovered),
        (token, messages) -> {
          if (gen == generation && !messages.isEmpty()) {
            input(() -> messages.forEach(this::sendDurable));
          }
        });
    SimHost h = hosts.get();
    host = h;
    replica =
        new Replica(
            config,
            recovered,
            h.stateMachine(),
            transport,
            disk,
            clock,
            random.split(),
            options,
            h.listener(),
            encoder(gen, random.split()));
    h.attach(replica);
    lastTick = clock.nowMillis();
    tickScheduled = false;
    scheduleTick();
  }

  /**
   * As production's encoding thread does: the bytes come back to the replica later, in the order
   * asked for, here after up to {@link #MAX_ENCODE_MILLIS} of simulated time, and are encoded only
   * then, so that a capture the replica went on changing would show as a state that differs from
   * the other replicas' at the same index. A crash loses what was under way.
   */
  private SnapshotEncoder encoder(long gen, SplittableRandom delays) {
    long[] lastDue = {0};
    return (encoding, done) -> {
      long due =
          Math.max(lastDue[0], clock.nowMillis() + delays.nextLong(1, MAX_ENCODE_MILLIS + 1));
      lastDue[0] = due;
      events.after(
          clock.realMicrosUntil(due),
          () -> {
            if (gen == generation) {
              input(
                  () -> {
                    encoding.run();
                    done.accept(true);
                  });
            }
          });
    };
  }

  /** As production's writer thread does: peers' messages to the network, its own to itself. */
  private void sendDurable(Message m) {
    if (m.to() == id) {
      replica.onMessage(m);
    } else {
      transport.send(m);
    }
  }

  /**
   * Schedules the next tick when the replica or the server's duty next needs one, as production's
   * {@code ReplicaLoop} sleeps until then: at the latest a second away, at the earliest {@link
   * #TICK_MIN_MILLIS} after the last tick. Called after every input, since inputs move deadlines;
   * an earlier tick replaces a later one.
   */
  private void scheduleTick() {
    long now = clock.nowMillis();
    long wanted = Math.min(replica.nextDeadline(), host.duty().nextDeadline(now));
    long due = Math.max(Math.min(wanted, now + IDLE_TICK_MILLIS), lastTick + TICK_MIN_MILLIS);
    if (tickScheduled && due >= tickDue) {
      return;
    }
    tickScheduled = true;
    tickDue = due;
    long gen = generation;
    events.after(
        clock.realMicrosUntil(due),
        () -> {
          if (gen != generation || !tickScheduled || tickDue != due) {
            return; // a crash, or replaced by an earlier tick
          }
          tickScheduled = false;
          input(this::tick);
        });
  }

  private void tick() {
    long now = clock.nowMillis();
    if (now < tickDue) {
      return; // the clock slowed down since: input() schedules the rest of the wait
    }
    replica.onTick();
    if (now >= host.duty().nextDeadline(now)) {
      host.duty().run();
    }
    lastTick = now;
  }

  /** Runs one input and the driver's flush, unless the process is down or frozen. */
  public void input(Runnable action) {
    if (replica == null) {
      return;
    }
    if (paused) {
      deferred.add(action);
      return;
    }
    action.run();
    replica.flush();
    if (replica != null) {
      scheduleTick();
    }
  }

  void propose(byte[] payload, ProposalCallback callback) {
    input(() -> replica.propose(payload, callback));
  }

  public void crash() {
    if (replica == null) {
      return;
    }
    crashes++;
    generation++;
    replica = null;
    host = null;
    paused = false;
    deferred.clear();
    disk.crash();
    transport.reset();
    onCrash.run();
  }

  public boolean isUp() {
    return replica != null;
  }

  void pause() {
    if (replica != null) {
      paused = true;
    }
  }

  void resume() {
    if (!paused) {
      return;
    }
    paused = false;
    List<Runnable> backlog = new ArrayList<>(deferred);
    deferred.clear();
    for (Runnable r : backlog) {
      if (replica == null) {
        return;
      }
      input(r);
    }
  }

  boolean holdsLease() {
    return replica != null && replica.holdsLease();
  }

  public Replica replica() {
    return replica;
  }

  public SimHost host() {
    return host;
  }
}
