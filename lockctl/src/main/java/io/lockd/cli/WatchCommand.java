package io.lockd.cli;

import io.lockd.client.LockClient;
import io.lockd.client.WatchEvent;
import io.lockd.client.WatchKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockctl watch PATH}: prints changes as they happen, in log order. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Prints every change on PATH as it happens, in log order, one line per event (JSON Lines with "
          + "-o json), until stopped. A 'resync' line means the cell dropped events: re-read.",
      "The path need not exist: its creation is an event too."
    },
    footer = {
      "%nExamples:",
      "  lockctl watch /config/db",
      "  lockctl watch /services --kind children",
      "  lockctl watch /jobs/nightly --kind lock -o json",
      "  lockctl watch /config --kind contents,children --count 10"
    })
final class WatchCommand implements Callable<Integer> {
  @Mixin GlobalOptions g;

  @Parameters(index = "0", paramLabel = "PATH", description = "The node to watch.")
  String path;

  @Option(
      names = {"-k", "--kind"},
      split = ",",
      paramLabel = "KIND",
      defaultValue = "contents,children,lock",
      description =
          "What to follow: contents, children, lock (comma-separated; default all, children only for directories).")
  List<String> kinds;

  @Option(names = "--count", paramLabel = "N", description = "Stop after N events.")
  Integer count;

  @Option(
      names = "--for",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Stop after this long.")
  Duration duration;

  @Override
  public Integer call() throws Exception {
    List<WatchKind> wanted = new ArrayList<>();
    for (String k : kinds) {
      try {
        wanted.add(WatchKind.valueOf(k.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown watch kind '" + k + "' (use contents, children, lock)");
      }
    }
    LinkedBlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
    try (LockClient client = g.client()) {
      boolean isFile =
          client.exists(path) && client.stat(path).kind() == io.lockd.client.NodeKind.FILE;
      for (WatchKind k : wanted) {
        if (k == WatchKind.CHILDREN && isFile) {
          continue;
        }
        client.watch(path, k, events::add);
      }
      int printed = 0;
      long lastIndex = -1;
      while (count == null || printed < count) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          break;
        }
        WatchEvent e =
            events.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
        if (e == null) {
          continue;
        }
        if (e.type() == WatchEvent.Type.NODE_DELETED && e.index() == lastIndex) {
          continue; // one deletion reaches every kind of watch on the path
        }
        lastIndex = e.index();
        print(e);
        printed++;
        if (e.type() == WatchEvent.Type.WATCH_ENDED) {
          g.spec.commandLine().getErr().println("lockctl: the session ended; the watch is over");
          return ExitCodes.UNAVAILABLE;
        }
      }
    }
    return ExitCodes.OK;
  }

  private void print(WatchEvent e) {
    var out = g.spec.commandLine().getOut();
    out.println(g.json() ? Json.writeLine(Views.event(e)) : Printable.escape(e.toString()));
    out.flush();
  }
}
