package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.proto.v1.ClusterGrpc;
import io.lockd.proto.v1.CreateNodeRequest;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.NodeGrpc;
import io.lockd.proto.v1.NodeKind;
import io.lockd.proto.v1.RequestHeader;
import io.lockd.proto.v1.SessionGrpc;
import io.lockd.testing.InJvmCell;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory whose whole listing is over gRPC's default 4 MiB receive limit is a legal state: it
 * is listed in pages that a client with default limits receives, following next_page_token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ListingPagesTest {
  private static final int CHILDREN = 300;
  private static final int NAME_BYTES = 15_000; // 300 x 15 KB: 4.5 MB of names
  private static final int DEFAULT_RECEIVE_BYTES = 4 << 20;

  private InJvmCell cell;
  private LockdServer leader;

  @BeforeAll
  void start(@TempDir Path data) throws Exception {
    NamespaceLimits limits = NamespaceLimits.builder().maxPathBytes(16 << 10).build();
    cell = InJvmCell.builder().size(1).dataRoot(data).limits(limits).start();
    leader = cell.awaitLeader();
    long session =
        SessionGrpc.newBlockingStub(cell.channel(leader))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createSession(
                CreateSessionRequest.newBuilder().setRequestedLeaseMillis(60_000).build())
            .getSessionId();
    long sequence = 0;
    nodes()
        .create(
            CreateNodeRequest.newBuilder()
                .setHeader(header(session, ++sequence))
                .setPath("/big")
                .setKind(NodeKind.NODE_KIND_DIRECTORY)
                .build());
    try (KeepAliveClient keepAlive = new KeepAliveClient(cell.channel(leader), session)) {
      for (int i = 0; i < CHILDREN; i++) {
        if (i % 50 == 0) {
          keepAlive.keepAlive(0); // however slow the machine, the session outlives the setup
        }
        nodes()
            .create(
                CreateNodeRequest.newBuilder()
                    .setHeader(header(session, ++sequence))
                    .setPath("/big/" + name(i))
                    .setKind(NodeKind.NODE_KIND_FILE)
                    .build());
      }
    }
  }

  @AfterAll
  void stop() {
    if (cell != null) {
      cell.close();
    }
  }

  @Test
  void aDirectoryOverTheReceiveLimitIsListedInPages() {
    List<String> names = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListChildrenResponse page =
          nodes()
              .listChildren(
                  ListChildrenRequest.newBuilder().setPath("/big").setPageToken(token).build());
      assertTrue(page.getSerializedSize() < DEFAULT_RECEIVE_BYTES);
      assertEquals(CHILDREN, page.getStat().getChildCount());
      names.addAll(page.getNamesList());
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < CHILDREN);
    assertTrue(pages > 1, "one page would be over 4 MiB");
    assertEquals(CHILDREN, names.size());
    for (int i = 0; i < CHILDREN; i++) {
      assertEquals(name(i), names.get(i));
    }
  }

  @Test
  void aSmallPageSizeIsHonouredAndABigOneCapped() {
    ListChildrenResponse three =
        nodes()
            .listChildren(ListChildrenRequest.newBuilder().setPath("/big").setPageSize(3).build());
    assertEquals(3, three.getNamesCount());
    assertFalse(three.getNextPageToken().isEmpty());
    ListChildrenResponse huge =
        nodes()
            .listChildren(
                ListChildrenRequest.newBuilder()
                    .setPath("/big")
                    .setPageSize(Integer.MAX_VALUE)
                    .build());
    assertTrue(huge.getNamesCount() < CHILDREN);
  }

  @Test
  void sessionsArePagedToo() {
    for (int i = 0; i < 3; i++) {
      SessionGrpc.newBlockingStub(cell.channel(leader))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .createSession(CreateSessionRequest.newBuilder().setRequestedLeaseMillis(60_000).build());
    }
    List<Long> ids = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListSessionsResponse page =
          ClusterGrpc.newBlockingStub(cell.channel(leader))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .listSessions(
                  ListSessionsRequest.newBuilder().setPageSize(1).setPageToken(token).build());
      assertTrue(page.getSessionsCount() <= 1);
      page.getSessionsList().forEach(s -> ids.add(s.getSessionId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < 100);
    assertTrue(ids.size() >= 3, ids.toString());
    assertEquals(ids.stream().sorted().distinct().toList(), ids, "ascending, each once");
  }

  @Test
  void aForgedTokenIsRefused() {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                nodes()
                    .listChildren(
                        ListChildrenRequest.newBuilder()
                            .setPath("/big")
                            .setPageToken("not a token")
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("page_token"), e.toString());
  }

  private static String name(int i) {
    return String.format("%04d", i) + "n".repeat(NAME_BYTES - 4);
  }

  private static RequestHeader header(long session, long sequence) {
    return RequestHeader.newBuilder().setSessionId(session).setSequence(sequence).build();
  }

  private NodeGrpc.NodeBlockingStub nodes() {
    return NodeGrpc.newBlockingStub(cell.channel(leader)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }
}
