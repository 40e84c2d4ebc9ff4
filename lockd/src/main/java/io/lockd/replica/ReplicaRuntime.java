package io.lockd.replica;

import io.lockd.paxos.Message;
import io.lockd.paxos.SnapshotSink;
import io.lockd.storage.GroupCommitWriter;
import io.lockd.storage.LogAcceptorStore;
import io.lockd.storage.RecoveredState;
import io.lockd.transport.GrpcPeerTransport;
import io.lockd.transport.TlsCredentials;
import io.lockd.transport.TransportLimits;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * A production replica, assembled: the acceptor log ({@link LogAcceptorStore}), the group-commit
 * writer thread, the gRPC peer transport and the replica loop around the shared {@link Replica}
 * driver. Closing stops them in the reverse order of their dependencies.
 */
public final class ReplicaRuntime implements AutoCloseable {
  private final LogAcceptorStore store;
  private final Path dataDir;
  private final GroupCommitWriter writer;
  private final GrpcPeerTransport transport;
  private final ReplicaLoop loop;
  private final TimedStateMachine timed;
  private final LoopSideEncoder encoder;

  private ReplicaRuntime(
      RuntimeConfig config,
      StateMachine stateMachine,
      ReplicaListener listener,
      TlsCredentials tls) {
    int id = config.paxos().selfId();
    timed = new TimedStateMachine(stateMachine);
    dataDir = config.dataDir();
    store = LogAcceptorStore.open(config.dataDir());
    RecoveredState recovered = store.recover();
    transport =
        new GrpcPeerTransport(
            config.cell(),
            config.cellSettings(),
            id,
            config.peers(),
            config.peerListen(),
            TransportLimits.defaults(),
            tls);
    Clock clock = Clock.system();
    ReplicaLoop[] self = new ReplicaLoop[1];
    encoder = new LoopSideEncoder("lockd-snapshot-" + id, () -> self[0], store::snapshotSink);
    WriterSink[] sink = new WriterSink[1];
    writer =
        new GroupCommitWriter(
            store,
            (token, messages) -> release(id, messages, self[0], sink[0]),
            "lockd-writer-" + id);
    sink[0] = new WriterSink(writer);
    loop =
        new ReplicaLoop(
            "lockd-replica-" + id,
            clock,
            config.tickMillis(),
            1 << 16,
            l -> {
              self[0] = l;
              return new Replica(
                  config.paxos(),
                  recovered,
                  timed,
                  transport,
                  sink[0],
                  clock,
                  new SplittableRandom(new SecureRandom().nextLong()),
                  config.options(),
                  listener,
                  encoder);
            });
    transport.start(
        m -> loop.submitPeer(r -> r.onMessage(m)),
        peer -> loop.submitPeer(r -> r.onPeerLost(peer)));
  }

  /**
   * Sends a durable group's messages from the writer thread: to peers at once, to this replica
   * through its loop (together with a retry of submissions the writer had refused, if any).
   */
  private void release(int id, List<Message> messages, ReplicaLoop loop, WriterSink sink) {
    List<Message> local = null;
    for (Message m : messages) {
      if (m.to() != id) {
        transport.send(m);
      } else {
        if (local == null) {
          local = new ArrayList<>(1);
        }
        local.add(m);
      }
    }
    if (local != null || sink.backlogged()) {
      List<Message> mine = local == null ? List.of() : local;
      loop.submitPeer(
          r -> {
            sink.drain();
            mine.forEach(r::onMessage);
          });
    }
  }

  /** Opens the store, recovers, and starts the writer, the loop and the transport. */
  public static ReplicaRuntime start(
      RuntimeConfig config, StateMachine stateMachine, ReplicaListener listener) {
    return new ReplicaRuntime(config, stateMachine, listener, null);
  }

  /** The same with mutual TLS between the replicas, unless {@code tls} is null (plaintext). */
  public static ReplicaRuntime start(
      RuntimeConfig config,
      StateMachine stateMachine,
      ReplicaListener listener,
      TlsCredentials tls) {
    return new ReplicaRuntime(config, stateMachine, listener, tls);
  }

  public ReplicaLoop loop() {
    return loop;
  }

  public GroupCommitWriter.Stats writerStats() {
    return writer.stats();
  }

  /** See {@link GroupCommitWriter#observeSyncs}: every sync's duration, for metrics. */
  public void observeSyncs(LongConsumer observer) {
    writer.observeSyncs(observer);
  }

  /**
   * Every snapshot's encoding time and every restore's (installing a peer's or a recovered
   * snapshot), in nanoseconds, on the replica's thread. Restores during recovery happen before any
   * observer can be set and are not reported.
   */
  public void observeSnapshots(LongConsumer snapshotNanos, LongConsumer restoreNanos) {
    timed.observe(snapshotNanos, restoreNanos);
  }

  /** A sink writing a snapshot to a temporary file of the data directory (backups). */
  public SnapshotSink snapshotSink() {
    return store.snapshotSink();
  }

  /** Where the acceptor log and its checkpoints live. */
  public Path dataDir() {
    return dataDir;
  }

  public GrpcPeerTransport transport() {
    return transport;
  }

  @Override
  public void close() {
    transport.close();
    loop.close();
    encoder.close();
    writer.close();
    store.close();
  }
}
