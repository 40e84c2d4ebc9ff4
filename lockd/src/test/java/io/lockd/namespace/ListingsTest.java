package io.lockd.namespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.GetLockInfoRequest;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.ListChildrenRequest;
import io.lockd.proto.v1.ListChildrenResponse;
import io.lockd.proto.v1.ListSessionsRequest;
import io.lockd.proto.v1.ListSessionsResponse;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockMode;
import io.lockd.proto.v1.LockWaiter;
import io.lockd.proto.v1.SessionInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listings come in pages that always fit a default gRPC client, and together list everything. */
class ListingsTest {
  private static final int GRPC_DEFAULT_RECEIVE_BYTES = 4 << 20;

  @Test
  void childrenComeInPagesInOrder() {
    Harness h = new Harness();
    long s = h.session();
    h.dir(s, "/d");
    for (int i = 0; i < 7; i++) {
      h.file(s, "/d/n" + i, "");
    }
    List<String> names = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListChildrenResponse page =
          h.ns.listChildren(
              ListChildrenRequest.newBuilder()
                  .setPath("/d")
                  .setPageSize(3)
                  .setPageToken(token)
                  .build());
      assertTrue(page.getNamesCount() <= 3);
      names.addAll(page.getNamesList());
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < 10);
    assertEquals(List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6"), names);
    assertEquals(3, pages);
  }

  @Test
  void aTokenSurvivesTheDeletionOfItsLastName() {
    Harness h = new Harness();
    long s = h.session();
    h.dir(s, "/d");
    for (String n : List.of("a", "b", "c", "d")) {
      h.file(s, "/d/" + n, "");
    }
    ListChildrenResponse first =
        h.ns.listChildren(ListChildrenRequest.newBuilder().setPath("/d").setPageSize(2).build());
    assertEquals(List.of("a", "b"), first.getNamesList());
    Harness.ok(h.delete(s, "/d/b"));
    ListChildrenResponse second =
        h.ns.listChildren(
            ListChildrenRequest.newBuilder()
                .setPath("/d")
                .setPageSize(2)
                .setPageToken(first.getNextPageToken())
                .build());
    assertEquals(List.of("c", "d"), second.getNamesList());
    assertEquals("", second.getNextPageToken());
  }

  /** The largest legal directory: names at the path limit, the children limit reached. */
  @Test
  void aFullDirectoryOfLongNamesNeverMakesAPageTooBigToReceive() {
    NamespaceLimits limits =
        NamespaceLimits.builder()
            .maxChildrenPerDirectory(140)
            .maxPathBytes(NamespaceLimits.PATH_BYTES_CAP)
            .build();
    Harness h = new Harness(limits);
    long s = h.session();
    for (int i = 0; i < 140; i++) {
      String name = String.format("%03d", i) + "x".repeat(NamespaceLimits.PATH_BYTES_CAP - 4);
      h.file(s, "/" + name, "");
    }
    assertTrue(
        h.ns.listChildren("/").getSerializedSize() > GRPC_DEFAULT_RECEIVE_BYTES,
        "the whole listing is over the limit");
    int listed = 0;
    String token = "";
    for (int pages = 0; pages < 100; pages++) {
      ListChildrenResponse page =
          h.ns.listChildren(
              ListChildrenRequest.newBuilder().setPath("/").setPageToken(token).build());
      assertTrue(
          page.getSerializedSize() < GRPC_DEFAULT_RECEIVE_BYTES / 2,
          "page of " + page.getSerializedSize() + " bytes");
      listed += page.getNamesCount();
      token = page.getNextPageToken();
      if (token.isEmpty()) {
        break;
      }
    }
    assertEquals(140, listed);
  }

  @Test
  void sessionsComeInPagesAndListABoundedShareOfTheirLocks() {
    NamespaceLimits limits =
        NamespaceLimits.builder().maxPathBytes(NamespaceLimits.PATH_BYTES_CAP).build();
    Harness h = new Harness(limits);
    long holder = h.session();
    int locks = 12; // 12 x 32 KiB of paths: over the 256 KiB a session may list
    for (int i = 0; i < locks; i++) {
      String path = "/" + i + "x".repeat(30_000);
      h.file(holder, path, "");
      h.lock(holder, path, LockMode.LOCK_MODE_EXCLUSIVE);
    }
    for (int i = 0; i < 4; i++) {
      h.session();
    }
    List<SessionInfo> all = new ArrayList<>();
    String token = "";
    for (int pages = 0; pages < 100; pages++) {
      ListSessionsResponse page =
          h.ns.listSessions(
              ListSessionsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      assertTrue(page.getSessionsCount() <= 2);
      all.addAll(page.getSessionsList());
      token = page.getNextPageToken();
      if (token.isEmpty()) {
        break;
      }
    }
    assertEquals(5, all.size());
    SessionInfo first = all.get(0);
    assertEquals(holder, first.getSessionId());
    assertEquals(locks, first.getHeldLockCount());
    assertTrue(
        first.getHeldLocksCount() < locks && first.getHeldLocksCount() > 0,
        first.getHeldLocksCount() + " paths listed");
    assertTrue(first.getSerializedSize() <= Listings.SESSION_LOCK_PATHS_BYTES_MAX + 4_096);
    assertEquals(
        locks,
        h.ns.listSessions().getSessions(0).getHeldLocksCount(),
        "the server's own whole listing keeps every path");
  }

  @Test
  void lockInfoPagesHoldersThenWaiters() {
    Harness h = new Harness();
    long owner = h.session();
    h.file(owner, "/l", "");
    List<Long> holders = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long s = h.session();
      h.lock(s, "/l", LockMode.LOCK_MODE_SHARED);
      holders.add(s);
    }
    List<Long> waiters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long s = h.session();
      Harness.ok(h.acquire(s, "/l", LockMode.LOCK_MODE_EXCLUSIVE, 60_000));
      waiters.add(s);
    }
    List<Long> seenHolders = new ArrayList<>();
    List<Long> seenWaiters = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      GetLockInfoResponse page =
          h.ns.getLockInfo(
              GetLockInfoRequest.newBuilder()
                  .setPath("/l")
                  .setPageSize(2)
                  .setPageToken(token)
                  .build());
      assertEquals(LockMode.LOCK_MODE_SHARED, page.getLock().getMode(), "every page says");
      assertTrue(page.getLock().getHoldersCount() + page.getLock().getWaitersCount() <= 2);
      page.getLock().getHoldersList().stream()
          .map(LockHolder::getSessionId)
          .forEach(seenHolders::add);
      page.getLock().getWaitersList().stream()
          .map(LockWaiter::getSessionId)
          .forEach(seenWaiters::add);
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < 20);
    assertEquals(holders, seenHolders);
    assertEquals(waiters, seenWaiters, "FIFO order");
    assertEquals(5, pages);
  }

  @Test
  void aWaiterThatLeftBetweenPagesSkipsNobody() {
    Harness h = new Harness();
    long owner = h.session();
    h.file(owner, "/l", "");
    h.lock(owner, "/l", LockMode.LOCK_MODE_EXCLUSIVE);
    List<Long> waiters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long s = h.session();
      Harness.ok(h.acquire(s, "/l", LockMode.LOCK_MODE_EXCLUSIVE, 60_000));
      waiters.add(s);
    }
    GetLockInfoResponse first =
        h.ns.getLockInfo(
            GetLockInfoRequest.newBuilder()
                .setPath("/l")
                .setPageSize(2)
                .build()); // the holder and the first waiter
    assertEquals(
        List.of(waiters.get(0)),
        first.getLock().getWaitersList().stream().map(LockWaiter::getSessionId).toList());
    Harness.ok(h.release(waiters.get(0), "/l")); // it leaves the queue
    GetLockInfoResponse second =
        h.ns.getLockInfo(
            GetLockInfoRequest.newBuilder()
                .setPath("/l")
                .setPageSize(10)
                .setPageToken(first.getNextPageToken())
                .build());
    assertEquals(
        waiters.subList(1, 4),
        second.getLock().getWaitersList().stream().map(LockWaiter::getSessionId).toList());
  }

  @Test
  void badPagingArgumentsAreRefused() {
    Harness h = new Harness();
    NamespaceException negative =
        assertThrows(
            NamespaceException.class,
            () ->
                h.ns.listChildren(
                    ListChildrenRequest.newBuilder().setPath("/").setPageSize(-1).build()));
    assertEquals(ErrorReason.ERROR_REASON_BAD_ARGUMENT, negative.reason());
    assertTrue(negative.getMessage().contains("page_size"), negative.getMessage());
    NamespaceException forged =
        assertThrows(
            NamespaceException.class,
            () -> h.ns.listSessions(ListSessionsRequest.newBuilder().setPageToken("c1:x").build()));
    assertTrue(forged.getMessage().contains("page_token"), forged.getMessage());
    assertThrows(
        NamespaceException.class,
        () ->
            h.ns.listSessions(
                ListSessionsRequest.newBuilder().setPageToken("s1:notanumber").build()));
    assertThrows(
        NamespaceException.class,
        () ->
            h.ns.getLockInfo(
                GetLockInfoRequest.newBuilder().setPath("/").setPageToken("w1:12").build()));
  }
}
