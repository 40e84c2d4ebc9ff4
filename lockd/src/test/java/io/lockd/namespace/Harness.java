package io.lockd.namespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.paxos.Command;
import io.lockd.proto.ns.v1.AcquireOp;
import io.lockd.proto.ns.v1.CommandHeader;
import io.lockd.proto.ns.v1.CreateNodeOp;
import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.DeleteNodeOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.ExpireSessionOp;
import io.lockd.proto.ns.v1.ExpiryReason;
import io.lockd.proto.ns.v1.NamespaceCommand;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.ns.v1.ReleaseOp;
import io.lockd.proto.ns.v1.SessionRecord;
import io.lockd.proto.ns.v1.SetContentsOp;
import io.lockd.proto.ns.v1.Snapshot;
import io.lockd.proto.ns.v1.TickOp;
import io.lockd.proto.ns.v1.WatchOp;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.Sequencer;
import io.lockd.proto.v1.Stat;
import io.lockd.proto.v1.WatchKind;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Drives a {@link Namespace} the way the replica does: encoded commands, growing slots, a leader
 * clock the test moves by hand, and per-session sequence numbers. Helpers return decoded results.
 */
final class Harness {
  final Namespace ns;
  long slot;
  long nowMillis = 1_000_000;
  private final TreeMap<Long, Long> sequences = new TreeMap<>();

  /** The identity each session was created by, which its commands carry (absent: anonymous). */
  private final TreeMap<Long, String> identities = new TreeMap<>();

  Harness() {
    this(NamespaceLimits.defaults());
  }

  Harness(NamespaceLimits limits) {
    this.ns = new Namespace(limits);
  }

  void advance(long millis) {
    nowMillis += millis;
  }

  /** Applies a command as built, stamping the current leader time if none is set. */
  NamespaceResult apply(NamespaceCommand command) {
    return decode(applyRaw(command.toByteArray()));
  }

  byte[] applyRaw(byte[] payload) {
    return ns.apply(++slot, new Command(slot, payload));
  }

  NamespaceResult leader(Consumer<NamespaceCommand.Builder> op) {
    NamespaceCommand.Builder b = NamespaceCommand.newBuilder().setHeader(header(0, 0));
    op.accept(b);
    return apply(b.build());
  }

  /** A client command with the session's next sequence number. */
  NamespaceResult client(long session, Consumer<NamespaceCommand.Builder> op) {
    long seq = sequences.merge(session, 1L, Long::sum);
    return client(session, seq, op);
  }

  /** A client command with an explicit sequence number (for retries and stale numbers). */
  NamespaceResult client(long session, long seq, Consumer<NamespaceCommand.Builder> op) {
    return decode(clientRaw(session, seq, op));
  }

  byte[] clientRaw(long session, long seq, Consumer<NamespaceCommand.Builder> op) {
    sequences.merge(session, seq, Math::max);
    NamespaceCommand.Builder b = NamespaceCommand.newBuilder().setHeader(header(session, seq));
    op.accept(b);
    return applyRaw(b.build().toByteArray());
  }

  long lastSequence(long session) {
    return sequences.getOrDefault(session, 0L);
  }

  CommandHeader header(long session, long seq) {
    return CommandHeader.newBuilder()
        .setIdentity(identities.getOrDefault(session, ""))
        .setSessionId(session)
        .setSequence(seq)
        .setLeaderTimeMillis(nowMillis)
        .build();
  }

  // ---- sessions

  long session() {
    return session("client", 0);
  }

  long session(String name, long leaseMillis) {
    NamespaceResult r =
        leader(
            b ->
                b.setCreateSession(
                    CreateSessionOp.newBuilder()
                        .setClientName(name)
                        .setRequestedLeaseMillis(leaseMillis)));
    ok(r);
    return r.getSessionCreated().getSessionId();
  }

  /** A session created by {@code identity}; its commands carry that identity. */
  long sessionAs(String identity) {
    NamespaceResult r =
        apply(
            NamespaceCommand.newBuilder()
                .setHeader(header(0, 0).toBuilder().setIdentity(identity))
                .setCreateSession(CreateSessionOp.newBuilder().setClientName(identity))
                .build());
    ok(r);
    long id = r.getSessionCreated().getSessionId();
    identities.put(id, identity);
    return id;
  }

  /** A command for {@code session} sent by {@code identity}, whoever created the session. */
  NamespaceResult clientAs(String identity, long session, Consumer<NamespaceCommand.Builder> op) {
    long seq = sequences.merge(session, 1L, Long::sum);
    NamespaceCommand.Builder b =
        NamespaceCommand.newBuilder()
            .setHeader(header(session, seq).toBuilder().setIdentity(identity));
    op.accept(b);
    return apply(b.build());
  }

  NamespaceResult expire(long session) {
    return end(session, ExpiryReason.EXPIRY_REASON_LEASE_EXPIRED);
  }

  NamespaceResult forceClose(long session) {
    return end(session, ExpiryReason.EXPIRY_REASON_FORCE_CLOSED);
  }

  private NamespaceResult end(long session, ExpiryReason reason) {
    ExpireSessionOp op =
        ExpireSessionOp.newBuilder().setSessionId(session).setReason(reason).build();
    return leader(b -> b.setExpireSession(op));
  }

  NamespaceResult close(long session) {
    return client(
        session, b -> b.setCloseSession(io.lockd.proto.ns.v1.CloseSessionOp.getDefaultInstance()));
  }

  NamespaceResult tick() {
    return leader(b -> b.setTick(TickOp.getDefaultInstance()));
  }

  // ---- nodes

  NamespaceResult create(
      long session, String path, NodeKind kind, boolean ephemeral, String contents) {
    return client(
        session,
        b ->
            b.setCreateNode(
                CreateNodeOp.newBuilder()
                    .setPath(path)
                    .setKind(kind)
                    .setEphemeral(ephemeral)
                    .setContents(ByteString.copyFromUtf8(contents))));
  }

  Stat file(long session, String path, String contents) {
    return ok(create(session, path, NodeKind.NODE_KIND_FILE, false, contents)).getStat();
  }

  Stat dir(long session, String path) {
    return ok(create(session, path, NodeKind.NODE_KIND_DIRECTORY, false, "")).getStat();
  }

  Stat ephemeral(long session, String path) {
    return ok(create(session, path, NodeKind.NODE_KIND_FILE, true, "")).getStat();
  }

  NamespaceResult delete(long session, String path) {
    return client(session, b -> b.setDeleteNode(DeleteNodeOp.newBuilder().setPath(path)));
  }

  NamespaceResult set(long session, String path, String contents) {
    return client(
        session,
        b ->
            b.setSetContents(
                SetContentsOp.newBuilder()
                    .setPath(path)
                    .setContents(ByteString.copyFromUtf8(contents))));
  }

  // ---- locks

  NamespaceResult acquire(long session, String path, LockMode mode, long waitMillis) {
    return client(
        session,
        b ->
            b.setAcquire(
                AcquireOp.newBuilder().setPath(path).setMode(mode).setWaitMillis(waitMillis)));
  }

  Sequencer lock(long session, String path, LockMode mode) {
    NamespaceResult r = ok(acquire(session, path, mode, 0));
    assertTrue(r.getAcquire().hasGranted(), "expected a grant: " + r);
    return r.getAcquire().getGranted();
  }

  NamespaceResult release(long session, String path) {
    return client(session, b -> b.setRelease(ReleaseOp.newBuilder().setPath(path)));
  }

  NamespaceResult watch(long session, String path, WatchKind kind) {
    return client(session, b -> b.setWatch(WatchOp.newBuilder().setPath(path).setKind(kind)));
  }

  // ---- results

  static NamespaceResult decode(byte[] bytes) {
    try {
      return NamespaceResult.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("result does not decode", e);
    }
  }

  static NamespaceResult ok(NamespaceResult r) {
    assertFalse(r.hasError(), () -> "expected success, got " + r.getError());
    return r;
  }

  static NamespaceResult fails(NamespaceResult r, ErrorCode code, ErrorReason reason) {
    assertTrue(r.hasError(), () -> "expected " + code + ", got success " + r);
    assertEquals(code, r.getError().getCode(), () -> r.getError().toString());
    assertEquals(reason, r.getError().getReason(), () -> r.getError().toString());
    assertFalse(r.getError().getMessage().isBlank());
    return r;
  }

  /**
   * Runs a client command that must fail with {@code code}/{@code reason} and checks that it
   * changed nothing but the bookkeeping every command does (index, slot, clock, the session's
   * remembered request and answer). The harness clock does not move here, so no timer fires.
   */
  NamespaceResult failsUnchanged(
      long session, Consumer<NamespaceCommand.Builder> op, ErrorCode code, ErrorReason reason) {
    Snapshot before = withoutBookkeeping(ns.snapshot());
    NamespaceResult r = fails(client(session, op), code, reason);
    assertEquals(before, withoutBookkeeping(ns.snapshot()), "a refused command changed the state");
    return r;
  }

  static Snapshot withoutBookkeeping(byte[] snapshot) {
    try {
      Snapshot.Builder b =
          Snapshot.parseFrom(snapshot).toBuilder()
              .clearAppliedIndex()
              .clearLastSlot()
              .clearClockMillis();
      for (SessionRecord.Builder s : b.getSessionsBuilderList()) {
        s.clearLastSequence().clearLastRequestFingerprint().clearLastResult();
      }
      return b.build();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
