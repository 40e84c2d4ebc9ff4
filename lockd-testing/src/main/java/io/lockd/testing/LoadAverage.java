package io.lockd.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The host's load average, printed beside every benchmark figure: the machines are shared, and a
 * figure measured beside someone else's build says little on its own.
 */
public final class LoadAverage {
  private LoadAverage() {}

  /** The 1, 5 and 15 minute load averages as {@code 1.02/0.87/0.60} (one value if that fails). */
  public static String now() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + "/" + f[1] + "/" + f[2];
    } catch (IOException | RuntimeException e) {
      return String.format(
          Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }
}
