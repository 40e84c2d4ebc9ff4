package io.lockd.client.bench;

import io.lockd.testing.InJvmCell;
import java.io.IOException;

/**
 * A real cell ({@link InJvmCell}: production replicas on loopback ports) in a process of its own,
 * for benchmarks that measure the client's CPU apart from the server's ({@link CellProcess} starts
 * it). Once a replica leads it prints one line {@code ADDRESSES host:port,...}, then serves until
 * its standard input closes, so it also ends when the process that started it dies.
 */
public final class CellMain {
  /** The line's prefix, before the comma-separated addresses. */
  public static final String READY = "ADDRESSES ";

  private CellMain() {}

  public static void main(String[] args) throws Exception {
    int replicas = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    try (InJvmCell cell = InJvmCell.builder().size(replicas).cellName("bench").start()) {
      cell.awaitLeader();
      System.out.println(READY + String.join(",", cell.endpoints()));
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the parent closes our input (or dies)
      }
    } catch (IOException e) {
      System.err.println("the cell did not start: " + e.getMessage());
      System.exit(1);
    }
  }
}
