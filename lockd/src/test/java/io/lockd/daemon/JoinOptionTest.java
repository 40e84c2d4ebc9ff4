package io.lockd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lockd --join}: a joining replica is no voter of the cell's first configuration, needs the
 * running members, and is refused (exit 2, saying why) on a data directory that holds state.
 */
class JoinOptionTest {
  private static final String MEMBERS =
      "1=127.0.0.1:7111,127.0.0.1:7101 2=127.0.0.1:7112,127.0.0.1:7102 6=127.0.0.1:7116,127.0.0.1:7106";

  @TempDir Path dir;

  @Test
  void aJoiningReplicaFindsTheCellButIsNoVoterOfItsFirstConfiguration() {
    Run r = run("--join", "--id", "6", "--data-dir", dir.resolve("d").toString(), "--check");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("replica 6 joining the cell of [1, 2]"), r.out());
  }

  @Test
  void joinIsRefusedOnADataDirectoryThatHoldsState() throws Exception {
    Path data = Files.createDirectories(dir.resolve("d"));
    Files.writeString(data.resolve("cell-origin"), "cell=lockd\ninitial-voters=1,2\n");
    Run r = run("--join", "--id", "6", "--data-dir", data.toString(), "--check");
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains("--join needs an empty data directory"), r.err());
    assertTrue(r.err().contains("restarts without --join"), r.err());
  }

  @Test
  void joinNeedsTheRunningMembers() {
    Run r =
        run(
            "--join",
            "--id",
            "6",
            "--data-dir",
            dir.resolve("d").toString(),
            "--member",
            "6=127.0.0.1:7116,127.0.0.1:7106",
            "--check");
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains("--join needs the members of the running cell"), r.err());
  }

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    String[] all = args;
    if (!String.join(" ", args).contains("--member")) {
      all = new String[args.length + 2];
      System.arraycopy(args, 0, all, 0, args.length);
      all[args.length] = "--member";
      all[args.length + 1] = MEMBERS;
    }
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int status = LockdMain.run(all);
      return new Run(
          status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
