package io.lockd.server.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.lockd.proto.v1.CallError;
import io.lockd.proto.v1.ErrorDetail;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.server.ServerError;
import java.util.Map;

/**
 * Turns a {@link ServerError} into a gRPC status with trailing metadata:
 *
 * <ul>
 *   <li>{@code lockd-error-detail-bin}: an {@link ErrorDetail} (reason and message), always;
 *   <li>{@code lockd-leader-id} and {@code lockd-leader-address}: on UNAVAILABLE from a replica
 *       that does not lead, the leader it believes in and that leader's <em>client</em> address,
 *       when it knows one. Clients redirect there (docs/server.md, "Redirect, not forward").
 * </ul>
 */
public final class GrpcErrors {
  public static final Metadata.Key<ErrorDetail> ERROR_DETAIL =
      Metadata.Key.of(
          "lockd-error-detail-bin",
          ProtoUtils.metadataMarshaller(ErrorDetail.getDefaultInstance()));
  public static final Metadata.Key<String> LEADER_ID =
      Metadata.Key.of("lockd-leader-id", Metadata.ASCII_STRING_MARSHALLER);
  public static final Metadata.Key<String> LEADER_ADDRESS =
      Metadata.Key.of("lockd-leader-address", Metadata.ASCII_STRING_MARSHALLER);

  // Read by gRPC threads, written by the replica's loop (learn): a leader hint must name a member
  // added after this replica started too, or clients could not follow it there.
  private final Map<Integer, String> clientAddresses;
  private io.lockd.paxos.Membership learned;

  /**
   * @param clientAddresses every member's client address ({@code host:port}) by id, as started
   */
  public GrpcErrors(Map<Integer, String> clientAddresses) {
    this.clientAddresses = new java.util.concurrent.ConcurrentHashMap<>(clientAddresses);
  }

  /** The client addresses the configuration {@code m} carries, for leader hints. Loop thread. */
  void learn(io.lockd.paxos.Membership m) {
    if (m == learned) {
      return; // the core hands out the same object until the configuration changes
    }
    learned = m;
    for (io.lockd.paxos.Membership.Member x : m.list()) {
      if (!x.clientAddress().isEmpty()) {
        clientAddresses.put(x.id(), x.clientAddress());
      }
    }
  }

  public StatusRuntimeException toStatus(ServerError error) {
    Metadata trailers = new Metadata();
    trailers.put(
        ERROR_DETAIL,
        ErrorDetail.newBuilder().setReason(error.reason()).setMessage(error.message()).build());
    String leader = clientAddresses.get(error.leaderHint());
    if (error.code() == ServerError.UNAVAILABLE && leader != null) {
      trailers.put(LEADER_ID, Integer.toString(error.leaderHint()));
      trailers.put(LEADER_ADDRESS, leader);
    }
    return Status.fromCodeValue(error.code())
        .withDescription(error.message())
        .asRuntimeException(trailers);
  }

  /**
   * The same error for a call on a Calls stream: what {@link #toStatus} puts in the status and its
   * trailers, as a message.
   */
  public CallError toCallError(ServerError error) {
    CallError.Builder out =
        CallError.newBuilder()
            .setCode(error.code())
            .setDetail(
                ErrorDetail.newBuilder().setReason(error.reason()).setMessage(error.message()));
    String leader = clientAddresses.get(error.leaderHint());
    if (error.code() == ServerError.UNAVAILABLE && leader != null) {
      out.setLeaderId(error.leaderHint()).setLeaderAddress(leader);
    }
    return out.build();
  }

  /** RESOURCE_EXHAUSTED for a replica whose work queue is full. */
  public StatusRuntimeException overloaded(int selfId) {
    return toStatus(overloadedError(selfId));
  }

  /** The error of {@link #overloaded}, before it becomes a status. */
  public static ServerError overloadedError(int selfId) {
    return new ServerError(
        ServerError.RESOURCE_EXHAUSTED,
        ErrorReason.ERROR_REASON_LIMIT_REACHED,
        "replica " + selfId + " is overloaded: its work queue is full; retry later",
        ServerError.NO_HINT);
  }
}
