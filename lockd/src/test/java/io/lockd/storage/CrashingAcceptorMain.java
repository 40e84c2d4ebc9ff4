package io.lockd.storage;

import io.lockd.paxos.Entry;
import io.lockd.paxos.StoreWrite;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The child process of {@link MapDbCrashTest}: it acts as an acceptor writing decisions into a
 * {@link MapDbAcceptorStore} until the parent kills it. After each batch is synced, it prints one
 * line per decision in the batch, so every complete line on stdout names a decision that must
 * survive the kill:
 *
 * <pre>
 *   P ballot        promised
 *   A slot ballot   accepted TestData.entry(slot, ballot)
 *   C index         chosen
 *   S index         snapshot TestData.snapshot(index, MAX_SNAPSHOT_BYTES)
 * </pre>
 *
 * It first prints {@code OPENING}, then {@code OPENED} once the store is recovered, and stops by
 * itself after {@link #MAX_BATCHES} batches ({@code DONE}).
 *
 * <p>Usage: {@code CrashingAcceptorMain <store directory> <seed>}
 */
public final class CrashingAcceptorMain {
  static final int MAX_BATCHES = 20_000;
  static final int MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024;

  private final SplittableRandom random;
  private long promised;
  private long lastSlot;
  private long chosen;
  private long snapshot;

  private CrashingAcceptorMain(RecoveredState recovered, long seed) {
    this.random = new SplittableRandom(seed);
    this.promised = recovered.promised();
    this.chosen = recovered.chosenIndex();
    this.snapshot = recovered.snapshotIndex();
    List<Entry> accepted = recovered.accepted();
    long lastAccepted = accepted.isEmpty() ? 0 : accepted.get(accepted.size() - 1).slot();
    this.lastSlot = Math.max(chosen, lastAccepted);
  }

  public static void main(String[] args) throws IOException {
    Path directory = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    print(out, "OPENING\n");
    try (MapDbAcceptorStore store = MapDbAcceptorStore.open(directory)) {
      CrashingAcceptorMain acceptor = new CrashingAcceptorMain(store.recover(), seed);
      print(out, "OPENED\n");
      for (int batch = 0; batch < MAX_BATCHES; batch++) {
        StringBuilder acks = new StringBuilder();
        store.write(acceptor.nextBatch(acks));
        store.sync();
        print(out, acks.toString());
      }
    }
    print(out, "DONE\n");
  }

  private static void print(OutputStream out, String lines) throws IOException {
    out.write(lines.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** One batch of decisions: a promise now and then, a few accepts, some learning, a snapshot. */
  private List<StoreWrite> nextBatch(StringBuilder acks) {
    List<StoreWrite> writes = new ArrayList<>();
    if (random.nextInt(5) == 0) {
      promised += 1 + random.nextInt(3);
      writes.add(new StoreWrite.Promised(promised));
      acks.append("P ").append(promised).append('\n');
    }
    int accepts = 1 + random.nextInt(6);
    for (int i = 0; i < accepts; i++) {
      // Mostly the next slot; sometimes a not yet chosen one again, at the current ballot.
      boolean again = lastSlot > chosen && random.nextInt(8) == 0;
      long slot = again ? chosen + 1 + random.nextLong(lastSlot - chosen) : ++lastSlot;
      writes.add(new StoreWrite.Accepted(TestData.entry(slot, promised)));
      acks.append("A ").append(slot).append(' ').append(promised).append('\n');
    }
    if (random.nextInt(3) == 0 && lastSlot > chosen) {
      chosen += 1 + random.nextLong(lastSlot - chosen);
      writes.add(new StoreWrite.Chosen(chosen));
      acks.append("C ").append(chosen).append('\n');
    }
    if (random.nextInt(40) == 0 && chosen > snapshot) {
      snapshot = chosen;
      writes.add(new StoreWrite.Snapshot(snapshot, TestData.snapshot(snapshot, MAX_SNAPSHOT_BYTES)));
      acks.append("S ").append(snapshot).append('\n');
    }
    return writes;
  }
}
