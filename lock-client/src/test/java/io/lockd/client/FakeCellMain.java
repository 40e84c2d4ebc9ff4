package io.lockd.client;

import java.io.IOException;

/**
 * A {@link FakeCell} on loopback TCP ports in a process of its own, for benchmarks that measure the
 * client's CPU apart from the server's ({@code io.lockd.client.bench.CellProcess} starts it).
 * Prints one line {@code ADDRESSES host:port,...}, then serves until its standard input closes, so
 * it also ends when the process that started it dies.
 */
public final class FakeCellMain {
  /** The line's prefix, before the comma-separated addresses. */
  public static final String READY = "ADDRESSES ";

  private FakeCellMain() {}

  public static void main(String[] args) throws IOException {
    int replicas = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    try (FakeCell cell = FakeCell.onLoopback(replicas)) {
      System.out.println(READY + String.join(",", cell.addresses()));
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the parent closes our input (or dies)
      }
    }
  }
}
