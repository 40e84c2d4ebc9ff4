package io.lockd.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.proto.v1.AddMemberRequest;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.ForceCloseSessionRequest;
import io.lockd.proto.v1.ListMembersRequest;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.MemberChangeResponse;
import io.lockd.proto.v1.PromoteMemberRequest;
import io.lockd.proto.v1.RemoveMemberRequest;
import io.lockd.proto.v1.StatusRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Operating a cell rather than using it: the replicas' state, every session, and ending a session
 * by force. Kept apart from {@link LockClient} so that application code, which has no business
 * closing other sessions, does not see these. An admin client is a view of the {@link LockClient}
 * it came from ({@link LockClient#admin}): same endpoints, leader routing, timeouts and session;
 * closing that client ends it too. Blocking methods follow the client's deadline rules; the {@code
 * ...Async} forms return futures. Thread-safe.
 *
 * <pre>{@code
 * try (LockClient client = LockClient.builder().endpoints(endpoints).clientName("ops").build()) {
 *   AdminClient admin = client.admin();
 *   System.out.println("leader: " + admin.cellStatus().leaderId());
 *   for (SessionSummary s : admin.sessions()) {
 *     if (s.clientName().equals("stuck-worker")) {
 *       admin.forceCloseSession(s.sessionId()); // its locks are released after their lock-delay
 *     }
 *   }
 * }
 * }</pre>
 */
public final class AdminClient {
  /** A snapshot is read whole from memory on the leader; ten minutes covers gigabytes. */
  private static final long SNAPSHOT_DEADLINE_MILLIS = 600_000;

  private static final int SNAPSHOT_ATTEMPTS = 3;

  private final AsyncLockClient client;

  AdminClient(AsyncLockClient client) {
    this.client = client;
  }

  /**
   * Every replica's role, ballot, slots, lag and lease, as the answering replica knows them. Any
   * replica answers (also one that does not lead), so this works while the cell has no leader.
   */
  public CellStatus cellStatus() {
    return client.await(cellStatusAsync());
  }

  /** {@link #cellStatus}, asynchronously. */
  public CompletableFuture<CellStatus> cellStatusAsync() {
    return client.read(
        ClusterGrpc.getStatusMethod(),
        StatusRequest.getDefaultInstance(),
        a -> 0,
        CellStatus::fromProto,
        false,
        null);
  }

  /**
   * Every session of the cell, by id (all pages of the listing). Each lists the paths of its locks
   * only up to 256 KiB; {@link SessionSummary#heldLockCount} and {@link
   * SessionSummary#waitingLockCount} are always whole.
   */
  public List<SessionSummary> sessions() {
    return client.await(sessionsAsync());
  }

  /** {@link #sessions}, asynchronously. */
  public CompletableFuture<List<SessionSummary>> sessionsAsync() {
    return client.paged(
        ClusterGrpc.getListSessionsMethod(),
        token -> ListSessionsRequest.newBuilder().setPageToken(token).build(),
        ListSessionsResponse::getNextPageToken,
        ListSessionsResponse::getIndex,
        pages ->
            pages.stream()
                .flatMap(a -> a.getSessionsList().stream())
                .map(SessionSummary::fromProto)
                .toList());
  }

  /**
   * Ends a session as if its lease had expired: its locks are released with their lock-delay, its
   * ephemeral nodes deleted, its waits and watches dropped. Fails NOT_FOUND ({@link
   * LockdException.Reason#SESSION_NOT_FOUND}) for a session the cell does not know.
   */
  public void forceCloseSession(long sessionId) {
    client.await(forceCloseSessionAsync(sessionId));
  }

  /** {@link #forceCloseSession}, asynchronously. */
  public CompletableFuture<Void> forceCloseSessionAsync(long sessionId) {
    return client.read(
        ClusterGrpc.getForceCloseSessionMethod(),
        ForceCloseSessionRequest.newBuilder().setSessionId(sessionId).build(),
        a -> a.getIndex(),
        a -> null,
        true,
        null);
  }

  /**
   * Saves a backup of the whole namespace to {@code file}: a consistent snapshot taken on the
   * leader, holding every command acknowledged before the call, with its slot and state checksum.
   * The file appears only once complete and verified (size and SHA-256); an existing file is
   * replaced. {@code lockd restore} builds a new cell from it (docs/operations.md, "Back up and
   * restore"). Retries on another replica if leadership moves during the transfer.
   *
   * <pre>{@code
   * SnapshotInfo saved = client.admin().saveSnapshot(Path.of("/backups/lockd-2026-12-06.snap"));
   * System.out.println("slot " + saved.slot() + ", checksum " + saved.stateChecksum());
   * }</pre>
   *
   * @throws LockdException if no leader answers, or the leader refuses (for example, a caller
   *     without admin rights)
   * @throws java.io.UncheckedIOException if the file cannot be written, or the snapshot arrived
   *     damaged
   */
  public SnapshotInfo saveSnapshot(Path file) {
    LockdException last = null;
    for (int attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
      CellStatus status = cellStatus();
      Optional<ReplicaState> leader = status.leader();
      if (leader.isEmpty()) {
        last =
            new LockdException(
                Status.Code.UNAVAILABLE,
                LockdException.Reason.UNSPECIFIED,
                "the cell has no leader to take the snapshot");
        continue;
      }
      try {
        return SnapshotDownload.save(
            file,
            client.context().rpc.router().channel(leader.get().address()),
            SNAPSHOT_DEADLINE_MILLIS);
      } catch (StatusRuntimeException e) {
        last = Errors.fromStatus(e.getStatus(), e.getTrailers());
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw last;
        }
      }
    }
    throw last;
  }

  // ---- membership (docs/consensus.md, "Membership change"; admin identity needed) ----------

  /** The cell's configuration as its leader knows it: every member, voter or learner. */
  public CellMembers members() {
    return client.await(
        client.read(
            ClusterGrpc.getListMembersMethod(),
            ListMembersRequest.getDefaultInstance(),
            a -> 0,
            a ->
                new CellMembers(
                    CellMember.fromProto(a.getMembersList()), a.getPending(), a.getLeader(), 0),
            true,
            null));
  }

  /**
   * Adds replica {@code id} as a learner: it receives the log but does not vote until promoted.
   * Start it afterwards with {@code lockd --join}. Refused (ALREADY_EXISTS, FAILED_PRECONDITION,
   * INVALID_ARGUMENT) for an id or address already a member's, an id removed before, or while
   * another change does not govern yet.
   */
  public CellMembers addMember(int id, String peerAddress, String clientAddress) {
    return change(
        ClusterGrpc.getAddMemberMethod(),
        AddMemberRequest.newBuilder()
            .setId(id)
            .setPeerAddress(peerAddress)
            .setClientAddress(clientAddress)
            .build());
  }

  /** Makes learner {@code id} a voter; refused (FAILED_PRECONDITION) until it caught up. */
  public CellMembers promoteMember(int id) {
    return change(
        ClusterGrpc.getPromoteMemberMethod(), PromoteMemberRequest.newBuilder().setId(id).build());
  }

  /**
   * Removes member {@code id}, the leader too (another is elected); refused (FAILED_PRECONDITION)
   * if fewer than three voters would remain. A removed id is never accepted again.
   */
  public CellMembers removeMember(int id) {
    return change(
        ClusterGrpc.getRemoveMemberMethod(), RemoveMemberRequest.newBuilder().setId(id).build());
  }

  private <Q> CellMembers change(
      io.grpc.MethodDescriptor<Q, MemberChangeResponse> method, Q request) {
    return client.await(
        client.read(
            method,
            request,
            a -> 0,
            a -> new CellMembers(CellMember.fromProto(a.getMembersList()), false, 0, a.getIndex()),
            true,
            null));
  }
}
