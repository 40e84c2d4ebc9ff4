package io.lockd.client.bench;

import io.lockd.testing.LoadAverage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * CPU time over a measured window: the whole process's (JIT compiler and GC threads included) and
 * the Java threads' (application and library; a thread that ended inside the window loses its
 * share), per pair, with the bytes the Java threads allocated per pair, the library's live threads
 * at the end of the window and the Java threads' CPU by kind of thread (names with their numbers
 * taken out).
 */
record CpuSample(
    int clients,
    double seconds,
    long pairs,
    long processCpuNanos,
    long threadCpuNanos,
    long allocatedBytes,
    Map<String, Long> cpuByThreadKind,
    Map<String, Long> libraryThreads,
    int jvmThreads,
    String load) {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** One thread's CPU time and allocated bytes so far. */
  private record Use(long cpuNanos, long allocatedBytes) {
    static final Use NONE = new Use(0, 0);
  }

  /** The state at the start of a window. */
  record Start(
      int clients, long wallNanos, long pairs, long processCpuNanos, Map<Long, Use> threads) {
    CpuSample end(long pairsNow) {
      long wall = System.nanoTime() - wallNanos;
      long process = processCpu() - processCpuNanos;
      Map<Long, Use> now = threadUseNow();
      Map<String, Long> byKind = new TreeMap<>();
      long cpu = 0;
      long allocated = 0;
      for (ThreadInfo info :
          THREADS.getThreadInfo(now.keySet().stream().mapToLong(Long::longValue).toArray())) {
        if (info == null) {
          continue;
        }
        Use before = threads.getOrDefault(info.getThreadId(), Use.NONE);
        Use after = now.get(info.getThreadId());
        long used = Math.max(0, after.cpuNanos() - before.cpuNanos());
        cpu += used;
        allocated += Math.max(0, after.allocatedBytes() - before.allocatedBytes());
        byKind.merge(kind(info.getThreadName()), used, Long::sum);
      }
      Map<String, Long> library =
          Thread.getAllStackTraces().keySet().stream()
              .filter(
                  t ->
                      t.isAlive()
                          && (t.getName().startsWith("lockd-") || t.getName().startsWith("grpc-")))
              .collect(
                  Collectors.groupingBy(
                      t -> kind(t.getName()), TreeMap::new, Collectors.counting()));
      return new CpuSample(
          clients,
          wall / 1e9,
          pairsNow - pairs,
          process,
          cpu,
          allocated,
          byKind,
          library,
          THREADS.getThreadCount(),
          LoadAverage.now());
    }
  }

  /** A thread's name with its numbers taken out. */
  private static String kind(String threadName) {
    return threadName.replaceAll("[0-9]+", "#");
  }

  static Start start(int clients, long pairs) {
    return new Start(clients, System.nanoTime(), pairs, processCpu(), threadUseNow());
  }

  String line() {
    return String.format(
        Locale.ROOT,
        "clients=%d pairs/s=%.0f cpu_ms/pair=%.3f (java threads %.3f) alloc_kb/pair=%.1f cpu_cores=%.2f"
            + " library_threads=%d jvm_threads=%d load=%s",
        clients,
        pairs / seconds,
        perPair(processCpuNanos),
        perPair(threadCpuNanos),
        pairs == 0 ? Double.NaN : allocatedBytes / 1024.0 / pairs,
        processCpuNanos / 1e9 / seconds,
        libraryThreads.values().stream().mapToLong(Long::longValue).sum(),
        jvmThreads,
        load);
  }

  /** The Java threads' CPU per pair by kind of thread, largest first (those above 1 %). */
  String byThreadKind() {
    return cpuByThreadKind.entrySet().stream()
        .filter(e -> e.getValue() * 100 > threadCpuNanos)
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .map(e -> String.format(Locale.ROOT, "%s=%.3f", e.getKey(), perPair(e.getValue())))
        .collect(Collectors.joining(" ", "  ms/pair by thread: ", ""));
  }

  /** The library's live threads (lockd's and gRPC's) by kind. */
  String libraryThreadKinds() {
    return libraryThreads.entrySet().stream()
        .map(e -> e.getKey() + "x" + e.getValue())
        .collect(Collectors.joining(" ", "  library threads: ", ""));
  }

  private double perPair(long nanos) {
    return pairs == 0 ? Double.NaN : nanos / 1e6 / pairs;
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static Map<Long, Use> threadUseNow() {
    Map<Long, Use> use = new HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long cpu = THREADS.getThreadCpuTime(id);
      long allocated = THREADS.getThreadAllocatedBytes(id);
      if (cpu >= 0 && allocated >= 0) {
        use.put(id, new Use(cpu, allocated));
      }
    }
    return use;
  }
}
