package io.lockd.client.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * CPU time over a measured window: the whole process's (JIT compiler and GC threads included) and
 * the Java threads' (application and library; a thread that ended inside the window loses its
 * share), per pair, with the library's live threads at the end of the window and the Java
 * threads' CPU by kind of thread (names with their numbers taken out).
 */
record CpuSample(int clients, double seconds, long pairs, long processCpuNanos, long threadCpuNanos,
    Map<String, Long> cpuByThreadKind, long libraryThreads, int jvmThreads, String load) {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** The state at the start of a window. */
  record Start(int clients, long wallNanos, long pairs, long processCpuNanos, Map<Long, Long> threadCpu) {
    CpuSample end(long pairsNow) {
      long wall = System.nanoTime() - wallNanos;
      long process = processCpu() - processCpuNanos;
      Map<Long, Long> now = threadCpuNow();
      Map<String, Long> byKind = new TreeMap<>();
      long threads = 0;
      for (ThreadInfo info : THREADS.getThreadInfo(now.keySet().stream().mapToLong(Long::longValue).toArray())) {
        if (info == null) {
          continue;
        }
        long used = Math.max(0, now.get(info.getThreadId()) - threadCpu.getOrDefault(info.getThreadId(), 0L));
        threads += used;
        byKind.merge(info.getThreadName().replaceAll("[0-9]+", "#"), used, Long::sum);
      }
      long library =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.isAlive() && (t.getName().startsWith("lockd-") || t.getName().startsWith("grpc-")))
              .count();
      return new CpuSample(clients, wall / 1e9, pairsNow - pairs, process, threads, byKind, library,
          THREADS.getThreadCount(), ClientCpuBenchmark.loadAverage());
    }
  }

  static Start start(int clients, long pairs) {
    return new Start(clients, System.nanoTime(), pairs, processCpu(), threadCpuNow());
  }

  String line() {
    return String.format(Locale.ROOT,
        "clients=%d pairs/s=%.0f cpu_ms/pair=%.3f (java threads %.3f) cpu_cores=%.2f library_threads=%d jvm_threads=%d load=%s",
        clients, pairs / seconds, perPair(processCpuNanos), perPair(threadCpuNanos), processCpuNanos / 1e9 / seconds,
        libraryThreads, jvmThreads, load);
  }

  /** The Java threads' CPU per pair by kind of thread, largest first (those above 1 %). */
  String byThreadKind() {
    return cpuByThreadKind.entrySet().stream()
        .filter(e -> e.getValue() * 100 > threadCpuNanos)
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .map(e -> String.format(Locale.ROOT, "%s=%.3f", e.getKey(), perPair(e.getValue())))
        .collect(Collectors.joining(" ", "  ms/pair by thread: ", ""));
  }

  private double perPair(long nanos) {
    return pairs == 0 ? Double.NaN : nanos / 1e6 / pairs;
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static Map<Long, Long> threadCpuNow() {
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      if (t >= 0) {
        cpu.put(id, t);
      }
    }
    return cpu;
  }
}
