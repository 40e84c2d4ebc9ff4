package io.lockd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.paxos.Message;
import io.lockd.proto.peer.v1.PeerEnvelope;
import org.junit.jupiter.api.Test;

class SendQueueTest {
  @Test
  void keepsOrderAndRefusesBeyondTheCountBound() {
    SendQueue queue = new SendQueue(3, Long.MAX_VALUE);
    for (int i = 0; i < 3; i++) {
      assertTrue(queue.offer(heartbeat(i)));
    }
    assertFalse(queue.offer(heartbeat(3)));
    for (int i = 0; i < 3; i++) {
      assertEquals(i, queue.poll().getHeartbeat().getRound());
    }
    assertNull(queue.poll());
  }

  @Test
  void refusesBeyondTheByteBoundAndFreesBytesOnPoll() {
    PeerEnvelope chunk = chunk(1000);
    SendQueue queue = new SendQueue(100, 2L * chunk.getSerializedSize());
    assertTrue(queue.offer(chunk));
    assertTrue(queue.offer(chunk));
    assertFalse(queue.offer(chunk));
    queue.poll();
    assertTrue(queue.offer(chunk));
  }

  @Test
  void clearReportsWhatItDropped() {
    SendQueue queue = new SendQueue(10, Long.MAX_VALUE);
    queue.offer(heartbeat(1));
    queue.offer(heartbeat(2));
    assertEquals(2, queue.clear());
    assertEquals(0, queue.size());
    assertTrue(queue.offer(heartbeat(3)));
  }

  private static PeerEnvelope heartbeat(long round) {
    return PeerMessageCodec.encode(new Message.Heartbeat(1, 2, 5, round, 0));
  }

  private static PeerEnvelope chunk(int size) {
    return PeerMessageCodec.encode(new Message.SnapshotChunk(1, 2, 1, 0, new byte[size], true));
  }
}
