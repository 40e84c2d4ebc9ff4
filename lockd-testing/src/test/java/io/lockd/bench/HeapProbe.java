package io.lockd.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A replica's heap as the benchmarks count memory: used bytes after a full GC, read with {@code
 * jcmd PID GC.run} and {@code GC.heap_info} from outside the process.
 */
final class HeapProbe {
  private HeapProbe() {}

  /** G1, serial and parallel say "total 524288K, used 12345K"; ZGC says "ZHeap used 1214M". */
  private static final Pattern HEAP_USED =
      Pattern.compile("total \\d+K, used (\\d+)K|ZHeap\\s+used (\\d+)M");

  /** The used heap of process {@code pid} after a full GC, in bytes. */
  static long afterGc(long pid) throws Exception {
    jcmd(pid, "GC.run");
    long usedKb = 0;
    Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    while (m.find()) {
      usedKb += m.group(1) != null ? Long.parseLong(m.group(1)) : Long.parseLong(m.group(2)) << 10;
    }
    return usedKb << 10;
  }

  private static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed: " + text);
    }
    return text;
  }
}
