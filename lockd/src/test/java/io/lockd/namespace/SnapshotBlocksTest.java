package io.lockd.namespace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.google.protobuf.ByteString;
import io.lockd.paxos.SnapshotSink;
import io.lockd.proto.ns.v1.NodeRecord;
import io.lockd.proto.ns.v1.Snapshot;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SnapshotBlocksTest {
  /**
   * Records of every size, some larger than a block, across hundreds of block boundaries: the
   * joined bytes are exactly protobuf's serialization of the same message.
   */
  @Test
  void recordsWrittenAcrossBlocksJoinIntoTheMessagesOwnBytes() {
    SplittableRandom random = new SplittableRandom(7);
    Snapshot.Builder whole = Snapshot.newBuilder().setFormatVersion(3).setAppliedIndex(99);
    SnapshotBlocks out = new SnapshotBlocks(256, SnapshotSink.inMemory());
    out.write(whole.build().toByteArray());
    for (int i = 0; i < 2_000; i++) {
      byte[] contents = new byte[random.nextInt(i % 100 == 0 ? 1_000 : 120)];
      random.nextBytes(contents);
      NodeRecord record =
          NodeRecord.newBuilder()
              .setPath("/n/" + i)
              .setContents(ByteString.copyFrom(contents))
              .setInstance(i)
              .build();
      whole.addNodes(record);
      out.writeField(Snapshot.NODES_FIELD_NUMBER, record);
    }
    assertArrayEquals(whole.build().toByteArray(), out.finish().toArray());
  }
}
