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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The child process of the crash tests: it acts as an acceptor writing decisions into a {@link
 * LogAcceptorStore} until it is killed (or halts itself, or has written its batches). After each
 * batch is synced, it prints one line per decision in the batch, so every complete line on stdout
 * names a decision that must survive the crash:
 *
 * <pre>
 *   P ballot        promised
 *   A slot ballot   accepted TestData.entry(slot, ballot)
 *   C index         chosen
 *   S index         snapshot TestData.snapshot(index, MAX_SNAPSHOT_BYTES) taken (not yet durable)
 *   K index         the checkpoint holding the snapshot at this index is durable
 * </pre>
 *
 * It first prints {@code OPENING}, then {@code OPENED} once the store is recovered, and {@code
 * DONE} after its last batch.
 *
 * <p>Usage: {@code CrashingAcceptorMain <store directory> <seed> [option=value...]}, options:
 * {@code segment} and {@code checkpoint} (bytes, see {@link LogStoreOptions}), {@code batches}
 * (default {@link #MAX_BATCHES}), and {@code halt=OP:K:before|after}, which makes the store's file
 * layer halt the process ({@code Runtime.halt(137)}, no shutdown hooks, like kill -9) right before
 * or after its K-th file change of kind OP ({@link StorageIo.Op}), on whichever thread.
 */
public final class CrashingAcceptorMain {
  static final int MAX_BATCHES = 20_000;
  static final int MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024;
  static final int HALT_STATUS = 137;

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
    Map<String, String> options = new HashMap<>();
    for (int i = 2; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      options.put(kv[0], kv[1]);
    }
    LogStoreOptions storeOptions =
        LogStoreOptions.defaults()
            .withSegmentBytes(Long.parseLong(options.getOrDefault("segment", "65536")))
            .withCheckpointLogBytes(Long.parseLong(options.getOrDefault("checkpoint", "262144")));
    int batches = Integer.parseInt(options.getOrDefault("batches", "" + MAX_BATCHES));
    StorageIo.Hook hook = haltHook(options.get("halt"));

    OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    print(out, "OPENING\n");
    try (LogAcceptorStore store = LogAcceptorStore.open(directory, storeOptions, hook)) {
      CrashingAcceptorMain acceptor = new CrashingAcceptorMain(store.recover(), seed);
      long durableSnapshot = store.durableSnapshotIndex();
      print(out, "OPENED\n");
      for (int batch = 0; batch < batches; batch++) {
        StringBuilder acks = new StringBuilder();
        List<StoreWrite> writes = acceptor.nextBatch(acks);
        store.write(writes);
        store.sync();
        // Checkpoints are slower than batches here; waiting for every other one after a
        // snapshot makes durable snapshots, deletions and crashes among them common.
        if (writes.get(writes.size() - 1) instanceof StoreWrite.Snapshot
            && acceptor.random.nextBoolean()) {
          store.awaitCheckpoints(60_000);
        }
        long nowDurable = store.durableSnapshotIndex();
        if (nowDurable > durableSnapshot) {
          durableSnapshot = nowDurable;
          acks.append("K ").append(nowDurable).append('\n');
        }
        print(out, acks.toString());
      }
    }
    print(out, "DONE\n");
  }

  /** {@code OP:K:before|after}: halt at the K-th file change of kind OP. */
  private static StorageIo.Hook haltHook(String spec) {
    if (spec == null) {
      return StorageIo.Hook.NONE;
    }
    String[] parts = spec.split(":");
    StorageIo.Op kind = StorageIo.Op.valueOf(parts[0]);
    long k = Long.parseLong(parts[1]);
    boolean before = parts[2].equals("before");
    AtomicLong seen = new AtomicLong();
    // The thread doing the K-th change, to halt after it: other threads may count on meanwhile.
    AtomicReference<Thread> haltAfter = new AtomicReference<>();
    return new StorageIo.Hook() {
      @Override
      public void before(StorageIo.Op op, Path file) {
        if (op == kind && seen.incrementAndGet() == k) {
          if (before) {
            Runtime.getRuntime().halt(HALT_STATUS);
          }
          haltAfter.set(Thread.currentThread());
        }
      }

      @Override
      public void after(StorageIo.Op op, Path file) {
        if (op == kind && haltAfter.get() == Thread.currentThread()) {
          Runtime.getRuntime().halt(HALT_STATUS);
        }
      }
    };
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
      writes.add(
          new StoreWrite.Snapshot(snapshot, TestData.snapshot(snapshot, MAX_SNAPSHOT_BYTES)));
      acks.append("S ").append(snapshot).append('\n');
    }
    return writes;
  }
}
