package io.lockd.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.lockd.paxos.Message;
import io.lockd.paxos.Ready;
import io.lockd.proto.peer.v1.Accept;
import io.lockd.proto.peer.v1.Accepted;
import io.lockd.proto.peer.v1.CatchUpEntries;
import io.lockd.proto.peer.v1.CatchUpRequest;
import io.lockd.proto.peer.v1.Heartbeat;
import io.lockd.proto.peer.v1.HeartbeatAck;
import io.lockd.proto.peer.v1.Nack;
import io.lockd.proto.peer.v1.NackReason;
import io.lockd.proto.peer.v1.PeerEnvelope;
import io.lockd.proto.peer.v1.PreVote;
import io.lockd.proto.peer.v1.PreVoteReply;
import io.lockd.proto.peer.v1.Prepare;
import io.lockd.proto.peer.v1.Promise;
import io.lockd.proto.peer.v1.SnapshotChunk;
import io.lockd.proto.peer.v1.SnapshotRequest;
import io.lockd.proto.peer.v1.StateChecksum;
import io.lockd.proto.peer.v1.TimeoutNow;

/**
 * Converts {@link Message}s to {@link PeerEnvelope}s and back, losslessly: {@code
 * decode(encode(m))} equals {@code m} for every valid message. Both directions check the wire
 * contract (ids in range, no negative ballot, slot or index, every entry has a value) and throw
 * {@link MalformedMessageException} when it is broken, so that a bug on the sending side is caught
 * before it reaches the network and a bad peer is caught before its message reaches consensus.
 */
public final class PeerMessageCodec {
  private PeerMessageCodec() {}

  /**
   * The wire form of {@code m}; throws {@link MalformedMessageException} if {@code m} is invalid.
   */
  public static PeerEnvelope encode(Message m) {
    MessageChecks.check(m);
    PeerEnvelope.Builder env = PeerEnvelope.newBuilder().setFrom(m.from()).setTo(m.to());
    if (m instanceof Message.PreVote v) {
      env.setPreVote(PreVote.newBuilder().setBallot(v.ballot()));
    } else if (m instanceof Message.PreVoteReply r) {
      env.setPreVoteReply(
          PreVoteReply.newBuilder()
              .setBallot(r.ballot())
              .setPromised(r.promised())
              .setGranted(r.granted()));
    } else if (m instanceof Message.Prepare p) {
      env.setPrepare(Prepare.newBuilder().setBallot(p.ballot()).setFromSlot(p.fromSlot()));
    } else if (m instanceof Message.Promise p) {
      env.setPromise(
          Promise.newBuilder()
              .setBallot(p.ballot())
              .setChosenIndex(p.chosenIndex())
              .addAllAccepted(EntryCodec.encode(p.accepted())));
    } else if (m instanceof Message.Accept a) {
      env.setAccept(
          Accept.newBuilder()
              .setBallot(a.ballot())
              .addAllEntries(EntryCodec.encode(a.entries()))
              .setChosenIndex(a.chosenIndex()));
    } else if (m instanceof Message.Accepted a) {
      env.setAccepted(Accepted.newBuilder().setBallot(a.ballot()).addAllSlots(a.slots()));
    } else if (m instanceof Message.Nack n) {
      env.setNack(
          Nack.newBuilder()
              .setBallot(n.ballot())
              .setPromised(n.promised())
              .setReason(encode(n.reason())));
    } else if (m instanceof Message.Heartbeat h) {
      env.setHeartbeat(
          Heartbeat.newBuilder()
              .setBallot(h.ballot())
              .setRound(h.round())
              .setChosenIndex(h.chosenIndex()));
    } else if (m instanceof Message.HeartbeatAck h) {
      env.setHeartbeatAck(
          HeartbeatAck.newBuilder()
              .setBallot(h.ballot())
              .setRound(h.round())
              .setChosenIndex(h.chosenIndex()));
    } else if (m instanceof Message.CatchUpRequest c) {
      env.setCatchUpRequest(CatchUpRequest.newBuilder().setFromSlot(c.fromSlot()));
    } else if (m instanceof Message.CatchUpEntries c) {
      env.setCatchUpEntries(
          CatchUpEntries.newBuilder()
              .addAllEntries(EntryCodec.encode(c.entries()))
              .setChosenIndex(c.chosenIndex()));
    } else if (m instanceof Message.SnapshotChunk s) {
      // data() exposes the record's own array; copy it so the envelope cannot change under us.
      env.setSnapshotChunk(
          SnapshotChunk.newBuilder()
              .setSnapshotIndex(s.snapshotIndex())
              .setOffset(s.offset())
              .setData(ByteString.copyFrom(s.data()))
              .setLast(s.last()));
    } else if (m instanceof Message.StateChecksum c) {
      env.setStateChecksum(
          StateChecksum.newBuilder().setIndex(c.index()).setChecksum(c.checksum()));
    } else if (m instanceof Message.SnapshotRequest) {
      env.setSnapshotRequest(SnapshotRequest.getDefaultInstance());
    } else if (m instanceof Message.TimeoutNow t) {
      env.setTimeoutNow(TimeoutNow.newBuilder().setBallot(t.ballot()).setCandidate(t.candidate()));
    } else {
      throw new MalformedMessageException("no wire form for " + m.getClass().getName());
    }
    return env.build();
  }

  /**
   * The wire form of chunk {@code i} of {@code transfer}, read from the replica's stored snapshot
   * (a fresh array, wrapped without another copy). Checked as {@link #encode} checks a {@link
   * Message.SnapshotChunk}.
   *
   * @throws java.io.UncheckedIOException if the stored snapshot's file cannot be read
   */
  public static PeerEnvelope snapshotChunk(Ready.SnapshotTransfer transfer, int i) {
    if (transfer.index() <= 0 || i < 0 || i >= transfer.chunkCount()) {
      throw new MalformedMessageException(
          "snapshot chunk "
              + i
              + " of "
              + transfer.chunkCount()
              + " of a snapshot at index "
              + transfer.index());
    }
    return PeerEnvelope.newBuilder()
        .setFrom(transfer.from())
        .setTo(transfer.to())
        .setSnapshotChunk(
            SnapshotChunk.newBuilder()
                .setSnapshotIndex(transfer.index())
                .setOffset(transfer.chunkOffset(i))
                .setData(UnsafeByteOperations.unsafeWrap(transfer.chunkData(i)))
                .setLast(i == transfer.chunkCount() - 1))
        .build();
  }

  /** The message {@code env} carries; throws {@link MalformedMessageException} if it is invalid. */
  public static Message decode(PeerEnvelope env) {
    Message m = decodeBody(env, env.getFrom(), env.getTo());
    MessageChecks.check(m);
    return m;
  }

  private static Message decodeBody(PeerEnvelope env, int from, int to) {
    switch (env.getBodyCase()) {
      case PRE_VOTE:
        return new Message.PreVote(from, to, env.getPreVote().getBallot());
      case PRE_VOTE_REPLY:
        PreVoteReply reply = env.getPreVoteReply();
        return new Message.PreVoteReply(
            from, to, reply.getBallot(), reply.getPromised(), reply.getGranted());
      case PREPARE:
        Prepare prepare = env.getPrepare();
        return new Message.Prepare(from, to, prepare.getBallot(), prepare.getFromSlot());
      case PROMISE:
        Promise promise = env.getPromise();
        return new Message.Promise(
            from,
            to,
            promise.getBallot(),
            promise.getChosenIndex(),
            EntryCodec.decode("Promise", promise.getAcceptedList()));
      case ACCEPT:
        Accept accept = env.getAccept();
        return new Message.Accept(
            from,
            to,
            accept.getBallot(),
            EntryCodec.decode("Accept", accept.getEntriesList()),
            accept.getChosenIndex());
      case ACCEPTED:
        Accepted accepted = env.getAccepted();
        return new Message.Accepted(from, to, accepted.getBallot(), accepted.getSlotsList());
      case NACK:
        Nack nack = env.getNack();
        return new Message.Nack(
            from, to, nack.getBallot(), nack.getPromised(), decode(nack.getReasonValue()));
      case HEARTBEAT:
        Heartbeat hb = env.getHeartbeat();
        return new Message.Heartbeat(from, to, hb.getBallot(), hb.getRound(), hb.getChosenIndex());
      case HEARTBEAT_ACK:
        HeartbeatAck ack = env.getHeartbeatAck();
        return new Message.HeartbeatAck(
            from, to, ack.getBallot(), ack.getRound(), ack.getChosenIndex());
      case CATCH_UP_REQUEST:
        return new Message.CatchUpRequest(from, to, env.getCatchUpRequest().getFromSlot());
      case CATCH_UP_ENTRIES:
        CatchUpEntries entries = env.getCatchUpEntries();
        return new Message.CatchUpEntries(
            from,
            to,
            EntryCodec.decode("CatchUpEntries", entries.getEntriesList()),
            entries.getChosenIndex());
      case SNAPSHOT_CHUNK:
        SnapshotChunk chunk = env.getSnapshotChunk();
        return new Message.SnapshotChunk(
            from,
            to,
            chunk.getSnapshotIndex(),
            chunk.getOffset(),
            chunk.getData().toByteArray(),
            chunk.getLast());
      case STATE_CHECKSUM:
        StateChecksum sum = env.getStateChecksum();
        return new Message.StateChecksum(from, to, sum.getIndex(), sum.getChecksum());
      case SNAPSHOT_REQUEST:
        return new Message.SnapshotRequest(from, to);
      case TIMEOUT_NOW:
        TimeoutNow handover = env.getTimeoutNow();
        return new Message.TimeoutNow(from, to, handover.getBallot(), handover.getCandidate());
      case BODY_NOT_SET:
      default:
        throw new MalformedMessageException(
            "envelope " + from + "->" + to + " has no message body (unknown kind or empty)");
    }
  }

  private static NackReason encode(Message.NackReason reason) {
    switch (reason) {
      case HIGHER_BALLOT:
        return NackReason.NACK_REASON_HIGHER_BALLOT;
      case LEASE_HELD:
        return NackReason.NACK_REASON_LEASE_HELD;
      default:
        throw new MalformedMessageException("no wire form for nack reason " + reason);
    }
  }

  private static Message.NackReason decode(int reasonValue) {
    switch (reasonValue) {
      case NackReason.NACK_REASON_HIGHER_BALLOT_VALUE:
        return Message.NackReason.HIGHER_BALLOT;
      case NackReason.NACK_REASON_LEASE_HELD_VALUE:
        return Message.NackReason.LEASE_HELD;
      default:
        throw new MalformedMessageException("Nack reason " + reasonValue + " is not known");
    }
  }
}
