package io.lockd.namespace;

import com.google.protobuf.ByteString;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.CloseSessionOp;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.ExtendAllSessionsOp;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.ns.v1.TickOp;
import io.lockd.proto.ns.v1.UnwatchOp;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.WatchKind;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * A seeded stream of plausible commands over a small set of paths and the live sessions of a
 * reference namespace: every operation, valid and invalid, retries, stale sequence numbers, garbage
 * payloads and leader time that stalls, jumps and goes backwards. The same seed gives the same
 * stream for the same reference state.
 */
final class RandomCommands {
  private static final String[] PATHS = {
    "/a", "/b", "/a/x", "/a/y", "/b/z", "/a/x/deep", "/c", "/bad//path"
  };

  private final Random random;
  private final TreeMap<Long, Long> sequences = new TreeMap<>();
  private long nowMillis = 1_000_000;

  RandomCommands(long seed) {
    this.random = new Random(seed);
  }

  /** The next command's payload, chosen with the reference namespace's current sessions. */
  byte[] next(Namespace reference) {
    int roll = random.nextInt(100);
    if (roll < 2) {
      byte[] garbage = new byte[random.nextInt(12)];
      random.nextBytes(garbage);
      return garbage;
    }
    moveClock();
    List<SessionInfo> sessions = reference.listSessions().getSessionsList();
    if (sessions.size() < 2 || (roll < 8 && sessions.size() < 10)) {
      return leader()
          .setCreateSession(
              CreateSessionOp.newBuilder()
                  .setClientName("c" + random.nextInt(9))
                  .setRequestedLeaseMillis(random.nextInt(5) * 1_000L))
          .build()
          .toByteArray();
    }
    if (roll < 12) {
      return leaderCommand(sessions);
    }
    long session = sessions.get(random.nextInt(sessions.size())).getSessionId();
    return client(session).toByteArray();
  }

  private void moveClock() {
    int roll = random.nextInt(10);
    if (roll < 6) {
      nowMillis += random.nextInt(300);
    } else if (roll < 8) {
      nowMillis += random.nextInt(15_000);
    } else if (roll == 8) {
      nowMillis -= random.nextInt(2_000); // a new leader whose clock is behind
    }
  }

  private byte[] leaderCommand(List<SessionInfo> sessions) {
    long target = sessions.get(random.nextInt(sessions.size())).getSessionId();
    NamespaceCommand.Builder b = leader();
    switch (random.nextInt(4)) {
      case 0 ->
          b.setExpireSession(
              ExpireSessionOp.newBuilder()
                  .setSessionId(target)
                  .setReason(ExpiryReason.EXPIRY_REASON_LEASE_EXPIRED));
      case 1 ->
          b.setExpireSession(
              ExpireSessionOp.newBuilder()
                  .setSessionId(target)
                  .setReason(
                      random.nextInt(4) == 0
                          ? ExpiryReason.EXPIRY_REASON_FORCE_CLOSED
                          : ExpiryReason.EXPIRY_REASON_LEASE_EXPIRED));
      case 2 ->
          b.setExtendAllSessions(
              ExtendAllSessionsOp.newBuilder().setGraceMillis(random.nextInt(5_000)));
      default -> b.setTick(TickOp.getDefaultInstance());
    }
    return b.build().toByteArray();
  }

  private NamespaceCommand client(long session) {
    long last = sequences.getOrDefault(session, 0L);
    long seq;
    int how = random.nextInt(20);
    if (how == 0 && last > 0) {
      seq = last; // a retry
    } else if (how == 1 && last > 1) {
      seq = last - 1; // a late duplicate
    } else {
      seq = last + 1 + (random.nextInt(10) == 0 ? 2 : 0);
      sequences.put(session, seq);
    }
    CommandHeader header =
        CommandHeader.newBuilder()
            .setSessionId(session)
            .setSequence(seq)
            .setLeaderTimeMillis(nowMillis)
            .setAckedEventIndex(random.nextInt(8) == 0 ? random.nextInt(2_000) : 0)
            .build();
    NamespaceCommand.Builder b = NamespaceCommand.newBuilder().setHeader(header);
    String path = PATHS[random.nextInt(PATHS.length)];
    int op = random.nextInt(140);
    if (op < 30) {
      b.setCreateNode(
          CreateNodeOp.newBuilder()
              .setPath(path)
              .setKind(
                  random.nextBoolean() ? NodeKind.NODE_KIND_DIRECTORY : NodeKind.NODE_KIND_FILE)
              .setEphemeral(random.nextInt(3) == 0)
              .setLockDelayMillis(random.nextInt(3) * 2_000L));
    } else if (op < 40) {
      b.setDeleteNode(DeleteNodeOp.newBuilder().setPath(path));
    } else if (op < 50) {
      b.setSetContents(
          SetContentsOp.newBuilder()
              .setPath(path)
              .setContents(ByteString.copyFromUtf8("v" + random.nextInt(100))));
    } else if (op < 90) {
      b.setAcquire(
          AcquireOp.newBuilder()
              .setPath(path)
              .setMode(
                  random.nextBoolean() ? LockMode.LOCK_MODE_SHARED : LockMode.LOCK_MODE_EXCLUSIVE)
              .setWaitMillis(random.nextInt(3) * random.nextInt(20_000)));
    } else if (op < 120) {
      b.setRelease(ReleaseOp.newBuilder().setPath(path));
    } else if (op < 130) {
      b.setWatch(
          WatchOp.newBuilder().setPath(path).setKind(WatchKind.forNumber(1 + random.nextInt(3))));
    } else if (op < 138) {
      b.setUnwatch(
          UnwatchOp.newBuilder().setPath(path).setKind(WatchKind.forNumber(1 + random.nextInt(3))));
    } else {
      b.setCloseSession(CloseSessionOp.getDefaultInstance());
    }
    return b.build();
  }

  private NamespaceCommand.Builder leader() {
    return NamespaceCommand.newBuilder()
        .setHeader(CommandHeader.newBuilder().setLeaderTimeMillis(nowMillis));
  }
}
