package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.lockd.paxos.Message;
import io.lockd.proto.peer.v1.Accept;
import io.lockd.proto.peer.v1.Accepted;
import io.lockd.proto.peer.v1.Batch;
import io.lockd.proto.peer.v1.CatchUpRequest;
import io.lockd.proto.peer.v1.Entry;
import io.lockd.proto.peer.v1.Nack;
import io.lockd.proto.peer.v1.PeerEnvelope;
import io.lockd.proto.peer.v1.PreVoteReply;
import io.lockd.proto.peer.v1.Prepare;
import io.lockd.proto.peer.v1.SnapshotChunk;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerMessageCodecTest {
  private static final long SEED = Long.getLong("codec.seed", 0x10CCDL);
  private static final int ROUNDS = 5_000;

  @Test
  void decodeOfEncodeIsTheSameMessage() throws InvalidProtocolBufferException {
    RandomMessages random = new RandomMessages(SEED);
    for (int i = 0; i < ROUNDS; i++) {
      Message m = random.next();
      // Through bytes, not just the builder, so that the wire encoding itself is exercised.
      byte[] wire = PeerMessageCodec.encode(m).toByteArray();
      Message back = PeerMessageCodec.decode(PeerEnvelope.parseFrom(wire));
      int round = i;
      assertTrue(
          MessageEquality.same(m, back),
          () ->
              String.format(
                  "seed %d (-Dcodec.seed), message #%d: %s came back as %s",
                  SEED, round, MessageEquality.describe(m), MessageEquality.describe(back)));
    }
  }

  @Test
  void everyMessageKindHasItsOwnBody() {
    assertEquals(
        Set.of(Message.class.getPermittedSubclasses()),
        Set.copyOf(RandomMessages.KINDS),
        "a message kind was added or removed: extend peer.proto, the codec and RandomMessages");
    Set<PeerEnvelope.BodyCase> bodies = EnumSet.noneOf(PeerEnvelope.BodyCase.class);
    for (Message m : new RandomMessages(SEED).oneOfEachKind(1, 2)) {
      bodies.add(PeerMessageCodec.encode(m).getBodyCase());
    }
    assertEquals(RandomMessages.KINDS.size(), bodies.size());
  }

  @Test
  void envelopeWithoutBodyIsRejected() {
    PeerEnvelope empty = PeerEnvelope.newBuilder().setFrom(1).setTo(2).build();
    assertRejected(empty, "no message body");
  }

  @Test
  void negativeSlotsAndIndexesAreRejected() {
    assertRejected(
        envelope().setPrepare(Prepare.newBuilder().setBallot(5).setFromSlot(-1)).build(),
        "fromSlot must be >= 0");
    assertRejected(
        envelope().setCatchUpRequest(CatchUpRequest.newBuilder().setFromSlot(-7)).build(),
        "fromSlot must be >= 0");
    assertRejected(
        envelope().setAccepted(Accepted.newBuilder().setBallot(5).addSlots(3).addSlots(-2)).build(),
        "slots must be >= 1");
    assertRejected(
        envelope().setAccept(Accept.newBuilder().setBallot(5).addEntries(entry(-4))).build(),
        "entry slot must be >= 1");
    assertRejected(
        envelope().setAccept(Accept.newBuilder().setBallot(5).setChosenIndex(-1)).build(),
        "chosenIndex must be >= 0");
    assertRejected(
        envelope().setSnapshotChunk(SnapshotChunk.newBuilder().setOffset(-1)).build(),
        "offset must be >= 0");
    assertRejected(
        envelope().setPreVoteReply(PreVoteReply.newBuilder().setBallot(5).setPromised(-1)).build(),
        "promised must be >= 0");
  }

  @Test
  void entryWithoutValueIsRejected() {
    Entry noValue = Entry.newBuilder().setSlot(3).setBallot(5).build();
    assertRejected(
        envelope().setAccept(Accept.newBuilder().setBallot(5).addEntries(noValue)).build(),
        "has no value");
  }

  @Test
  void unknownNackReasonIsRejected() {
    assertRejected(envelope().setNack(Nack.newBuilder().setBallot(5)).build(), "reason 0");
    assertRejected(
        envelope().setNack(Nack.newBuilder().setBallot(5).setReasonValue(99)).build(), "reason 99");
  }

  @Test
  void replicaIdsOutOfRangeAreRejected() {
    PeerEnvelope.Builder hb = envelope().setCatchUpRequest(CatchUpRequest.newBuilder());
    assertRejected(hb.clone().setFrom(-1).build(), "'from' must be in");
    assertRejected(hb.clone().setTo(70_000).build(), "'to' must be in");
  }

  @Test
  void encodeRefusesInvalidMessages() {
    List<Message> invalid =
        List.of(
            new Message.Prepare(1, 2, -5, 1),
            new Message.Accepted(1, 2, 5, List.of(0L)),
            new Message.Nack(1, 2, 5, 6, null),
            new Message.CatchUpRequest(-1, 2, 1));
    for (Message m : invalid) {
      assertThrows(MalformedMessageException.class, () -> PeerMessageCodec.encode(m), m::toString);
    }
  }

  private static PeerEnvelope.Builder envelope() {
    return PeerEnvelope.newBuilder().setFrom(1).setTo(2);
  }

  private static Entry entry(long slot) {
    return Entry.newBuilder()
        .setSlot(slot)
        .setBallot(5)
        .setValue(
            Batch.newBuilder()
                .addCommands(
                    io.lockd.proto.peer.v1.Command.newBuilder()
                        .setId(1)
                        .setPayload(ByteString.copyFromUtf8("x"))))
        .build();
  }

  private static void assertRejected(PeerEnvelope env, String why) {
    MalformedMessageException e =
        assertThrows(MalformedMessageException.class, () -> PeerMessageCodec.decode(env));
    assertTrue(
        e.getMessage().contains(why), () -> "message '" + e.getMessage() + "' lacks '" + why + "'");
  }
}
