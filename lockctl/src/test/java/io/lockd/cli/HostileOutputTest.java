package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.LockGrpc;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.SessionInfo;
import io.lockd.proto.v1.Stat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whatever text the cell returns (here a fake replica serving the state an older cell could have
 * accepted: names with newlines, terminal escapes, NUL, bidirectional overrides, zero-width spaces;
 * and hostile file contents), lockctl prints it escaped: a table keeps one line per row, no control
 * sequence reaches the terminal, and JSON still decodes to the exact text.
 */
class HostileOutputTest {
  static final String CLIENT = "evil\n42  forged-row\u001b[31m\u0000\u202eter\u200b\u009b";
  static final String CHILD = "gnp.\u202eexe\n\u001b]0;title\u0007";
  static final String CONTENTS = "\u001b[2J\u202ereversed\r\n";
  static final String SERVER = "hostile-replica";

  static Server server;

  @BeforeAll
  static void start() throws Exception {
    server =
        InProcessServerBuilder.forName(SERVER)
            .directExecutor()
            .addService(
                new ClusterGrpc.ClusterImplBase() {
                  @Override
                  public void listSessions(
                      ListSessionsRequest r, StreamObserver<ListSessionsResponse> out) {
                    out.onNext(
                        ListSessionsResponse.newBuilder()
                            .setIndex(1)
                            .addSessions(
                                SessionInfo.newBuilder()
                                    .setSessionId(7)
                                    .setClientName(CLIENT)
                                    .addHeldLocks("/" + CHILD)
                                    .setHeldLockCount(1))
                            .build());
                    out.onCompleted();
                  }
                })
            .addService(
                new LockGrpc.LockImplBase() {
                  @Override
                  public void getLockInfo(
                      GetLockInfoRequest r, StreamObserver<GetLockInfoResponse> out) {
                    out.onNext(
                        GetLockInfoResponse.newBuilder()
                            .setIndex(1)
                            .setLock(
                                LockInfo.newBuilder()
                                    .setPath(r.getPath())
                                    .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                                    .setLockGeneration(3)
                                    .addHolders(
                                        LockHolder.newBuilder()
                                            .setSessionId(7)
                                            .setClientName(CLIENT)
                                            .setMode(LockMode.LOCK_MODE_EXCLUSIVE)
                                            .setLockGeneration(3)))
                            .build());
                    out.onCompleted();
                  }
                })
            .addService(
                new NodeGrpc.NodeImplBase() {
                  @Override
                  public void listChildren(
                      ListChildrenRequest r, StreamObserver<ListChildrenResponse> out) {
                    out.onNext(
                        ListChildrenResponse.newBuilder()
                            .setIndex(1)
                            .addNames("plain")
                            .addNames(CHILD)
                            .build());
                    out.onCompleted();
                  }

                  @Override
                  public void getContentsAndStat(
                      GetContentsAndStatRequest r, StreamObserver<GetContentsAndStatResponse> out) {
                    out.onNext(
                        GetContentsAndStatResponse.newBuilder()
                            .setIndex(1)
                            .setContents(ByteString.copyFromUtf8(CONTENTS))
                            .setStat(
                                Stat.newBuilder()
                                    .setPath(r.getPath())
                                    .setKind(NodeKind.NODE_KIND_FILE)
                                    .setInstance(1)
                                    .setContentGeneration(1))
                            .build());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    Lockctl.setClientCustomizer(
        b ->
            b.channelFactory(
                (address, executor) ->
                    InProcessChannelBuilder.forName(SERVER).executor(executor).build()));
  }

  @AfterAll
  static void stop() {
    Lockctl.setClientCustomizer(null);
    server.shutdownNow();
  }

  @Test
  void sessionsTableKeepsOneLinePerRowAndEscapes() {
    String out = lockctl("sessions");
    assertSafe(out);
    assertEquals(2, out.split("\n").length, out);
    assertTrue(out.contains("evil\\n42  forged-row\\x1b[31m\\x00\\u202eter\\u200b\\x9b"), out);
  }

  @Test
  void sessionsJsonIsSafeAndExact() {
    String out = lockctl("sessions", "-o", "json");
    assertSafe(out);
    assertEquals(
        CLIENT,
        JsonParser.parseString(out)
            .getAsJsonArray()
            .get(0)
            .getAsJsonObject()
            .get("client")
            .getAsString());
  }

  @Test
  void lockHoldersAreEscaped() {
    String table = lockctl("locks", "/l");
    assertSafe(table);
    assertEquals(2, table.split("\n").length, table);
    String json = lockctl("locks", "/l", "-o", "json");
    assertSafe(json);
    assertEquals(
        CLIENT,
        JsonParser.parseString(json)
            .getAsJsonObject()
            .getAsJsonArray("holders")
            .get(0)
            .getAsJsonObject()
            .get("client")
            .getAsString());
  }

  @Test
  void lsPrintsOneEscapedNamePerLine() {
    String out = lockctl("ls", "/");
    assertSafe(out);
    assertEquals(List.of("plain", "gnp.\\u202eexe\\n\\x1b]0;title\\x07"), List.of(out.split("\n")));
  }

  @Test
  void contentsShownAsJsonAreEscaped() {
    String out = lockctl("get", "/f", "-o", "json");
    assertSafe(out);
    assertEquals(
        CONTENTS, JsonParser.parseString(out).getAsJsonObject().get("contents").getAsString());
  }

  /** Nothing but printable text, spaces and line ends. */
  private static void assertSafe(String out) {
    out.codePoints()
        .forEach(
            c ->
                assertTrue(
                    c == '\n' || !Printable.unsafe(c),
                    () -> String.format("U+%04X printed raw in:%n%s", c, out)));
  }

  private static String lockctl(String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(
        new String[] {"--endpoints", "127.0.0.1:1", "--timeout", "20s"}, 0, all, args.length, 4);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Lockctl.run(
            all,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }
}
