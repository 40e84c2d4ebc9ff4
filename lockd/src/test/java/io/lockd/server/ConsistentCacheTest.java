package io.lockd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.lockd.paxos.Role;
import io.lockd.proto.v1.CacheInvalidation;
import io.lockd.proto.v1.CreateSessionRequest;
import io.lockd.proto.v1.CreateSessionResponse;
import io.lockd.proto.v1.GetContentsAndStatRequest;
import io.lockd.proto.v1.GetContentsAndStatResponse;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import io.lockd.proto.v1.SetContentsRequest;
import io.lockd.proto.v1.SetContentsResponse;
import io.lockd.server.CoreHarness.Captured;
import io.lockd.server.CoreHarness.Sink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The leader's side of the consistent cache: a write to a file some session caches is answered only
 * after that session acknowledged the invalidation, or could no longer serve from its cache.
 */
class ConsistentCacheTest {
  private static final String FILE = "/config";

  @Test
  void aWriteIsAnsweredOnlyAfterTheCacherAcknowledgedTheInvalidation() {
    CoreHarness h = new CoreHarness(5_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 10_000);
    CellServerTest.create(h, writer, FILE);
    Sink stream = h.stream(cacher, 0);
    GetContentsAndStatResponse read = cachedRead(h, cacher, FILE);
    assertTrue(read.getCacheable());
    assertEquals(h.replica.ballot, read.getCacheEpoch());

    Captured<SetContentsResponse> write = startWrite(h, writer, FILE, "v2");
    assertEquals(0, write.calls, "answered before the cacher dropped the old contents");
    CacheInvalidation inv = lastInvalidation(stream);
    assertEquals(List.of(FILE), inv.getPathsList());
    assertTrue(inv.getSeq() > read.getInvalidationSeq());

    ack(stream, cacher, h.replica.ballot, inv.getSeq() - 1); // an older acknowledgement
    assertEquals(0, write.calls);
    ack(stream, cacher, h.replica.ballot, inv.getSeq());
    assertEquals(2, write.ok().getStat().getContentGeneration());

    // Acknowledged and not read again: no longer cached, so the next write is not held.
    Captured<SetContentsResponse> next = startWrite(h, writer, FILE, "v3");
    next.ok();
  }

  @Test
  void onlyTheCreatorOfACachingSessionMakesItCacheAFile() {
    CoreHarness h = new CoreHarness(5_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 10_000);
    CellServerTest.create(h, writer, FILE);
    h.stream(cacher, 0);
    Captured<GetContentsAndStatResponse> c = new Captured<>();
    h.server.getContentsAndStat(
        "mallory",
        GetContentsAndStatRequest.newBuilder().setPath(FILE).setCacheSessionId(cacher).build(),
        c);
    assertFalse(c.ok().getCacheable(), "another identity's read does not register the session");
    startWrite(h, writer, FILE, "v2").ok(); // not held for an invalidation nobody asked for
    assertTrue(cachedRead(h, cacher, FILE).getCacheable(), "the creator's read does");
  }

  @Test
  void writesToFilesNobodyCachesAndOrdinaryReadsAreNotHeld() {
    CoreHarness h = new CoreHarness(5_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 10_000);
    CellServerTest.create(h, writer, FILE);
    CellServerTest.create(h, writer, "/other");
    h.stream(cacher, 0);
    cachedRead(h, cacher, FILE);
    startWrite(h, writer, "/other", "x").ok();
    GetContentsAndStatResponse plain =
        read(h, GetContentsAndStatRequest.newBuilder().setPath(FILE).build());
    assertFalse(plain.getCacheable());
  }

  @Test
  void aSessionThatNeverAcknowledgesHoldsWritesAtMostUntilItsLeaseRunsOut() {
    CoreHarness h = new CoreHarness(5_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 1_000);
    CellServerTest.create(h, writer, FILE);
    Sink stream = h.stream(cacher, 0);
    cachedRead(h, cacher, FILE);
    Captured<SetContentsResponse> write = startWrite(h, writer, FILE, "v2");
    // The client keeps renewing without acknowledging: after half a lease it gets no more lease.
    for (int i = 0; i < 6; i++) {
      h.advance(200);
      stream.keepAlive(cacher, 0);
      assertEquals(0, write.calls, "answered while the cacher's lease may still run");
    }
    h.advance(300); // 1.5 leases after the write: its deadline (at most 1 lease after) passed
    write.ok();
  }

  @Test
  void aNewLeaderWaitsForEveryCachingSessionToEmptyItsCacheFirst() {
    CoreHarness h = new CoreHarness(5_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 2_000);
    CellServerTest.create(h, writer, FILE);
    h.stream(cacher, 0);
    cachedRead(h, cacher, FILE);

    newLeadership(h, 7); // registrations were in this replica's memory only
    Captured<SetContentsResponse> write = startWrite(h, writer, FILE, "v2");
    assertEquals(0, write.calls, "the cacher may still serve what it cached under ballot 1");

    Sink back = new Sink();
    back.stream = h.server.openKeepAlive("", back);
    back.stream.onRequest(
        KeepAliveRequest.newBuilder()
            .setSessionId(cacher)
            .setCacheEpoch(1)
            .build()); // still on the old epoch: not drained
    assertEquals(0, write.calls);
    assertEquals(7, back.responses.get(back.responses.size() - 1).getCacheEpoch());
    ack(back, cacher, 7, 0); // the client emptied its cache for epoch 7
    write.ok();
  }

  @Test
  void aNewLeaderGivesUpOnASilentCachingSessionOnceAnyEarlierLeaseHasRunOut() {
    CoreHarness h = new CoreHarness(60_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 2_000);
    CellServerTest.create(h, writer, FILE);
    newLeadership(h, 7);
    Captured<SetContentsResponse> write = startWrite(h, writer, FILE, "v2");
    h.advance(2_000);
    assertEquals(0, write.calls, "2 s lease stretched by the drift bound has not run out");
    h.advance(100);
    write.ok();
  }

  @Test
  void aChangeAfterARegisteredReadGetsANewerInvalidationNumber() {
    CoreHarness h = new CoreHarness(5_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 10_000);
    CellServerTest.create(h, writer, FILE);
    CellServerTest.create(h, writer, "/b");
    Sink stream = h.stream(cacher, 0);
    cachedRead(h, cacher, FILE);
    // Change FILE (an invalidation is pending, not yet sent), then read /b and change it: the
    // second change must not join the first invalidation, whose number the read was told.
    Captured<SetContentsResponse> w1 = new Captured<>();
    h.server.setContents("", set(h, writer, FILE, "v2"), w1);
    h.replica.applyAll();
    GetContentsAndStatResponse b = cachedRead(h, cacher, "/b");
    Captured<SetContentsResponse> w2 = new Captured<>();
    h.server.setContents("", set(h, writer, "/b", "v2"), w2);
    h.apply();
    List<CacheInvalidation> sent = lastResponse(stream).getInvalidationsList();
    CacheInvalidation ofB =
        sent.stream().filter(i -> i.getPathsList().contains("/b")).findFirst().orElseThrow();
    assertTrue(ofB.getSeq() > b.getInvalidationSeq(), sent.toString());
  }

  /**
   * Two changes while the cacher's stream is down travel in one invalidation; the write of the
   * first file still waits for it (seed 2435 of the lock-service simulation: the second change used
   * to move the invalidation's index past the first write, whose answer then left at once).
   */
  @Test
  void aLaterChangeJoiningAnUnsentInvalidationDoesNotReleaseTheEarlierWrite() {
    CoreHarness h = new CoreHarness(5_000);
    long writer = h.createSession(10_000);
    long cacher = cachingSession(h, 10_000);
    CellServerTest.create(h, writer, FILE);
    CellServerTest.create(h, writer, "/b");
    cachedRead(h, cacher, FILE);
    cachedRead(h, cacher, "/b");
    Captured<SetContentsResponse> first = startWrite(h, writer, FILE, "v2");
    Captured<SetContentsResponse> second = startWrite(h, writer, "/b", "v2");
    h.advance(10); // a tick, which releases every held answer that is safe
    assertEquals(0, first.calls, "answered before the cacher dropped the old " + FILE);
    assertEquals(0, second.calls);

    Sink stream = h.stream(cacher, 0);
    CacheInvalidation inv = lastInvalidation(stream);
    assertEquals(List.of(FILE, "/b"), inv.getPathsList());
    ack(stream, cacher, h.replica.ballot, inv.getSeq());
    first.ok();
    second.ok();
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Leadership moves away and back to this replica under a new ballot. */
  private static void newLeadership(CoreHarness h, long ballot) {
    h.replica.role = Role.FOLLOWER;
    h.step();
    h.replica.role = Role.LEADER;
    h.replica.ballot = ballot;
    h.step();
  }

  private static long cachingSession(CoreHarness h, long leaseMillis) {
    Captured<CreateSessionResponse> c = new Captured<>();
    h.server.createSession(
        "",
        CreateSessionRequest.newBuilder()
            .setRequestedLeaseMillis(leaseMillis)
            .setClientName("cacher")
            .setCache(true)
            .build(),
        c);
    h.apply();
    return c.ok().getSessionId();
  }

  private static GetContentsAndStatResponse cachedRead(CoreHarness h, long session, String path) {
    return read(
        h, GetContentsAndStatRequest.newBuilder().setPath(path).setCacheSessionId(session).build());
  }

  private static GetContentsAndStatResponse read(CoreHarness h, GetContentsAndStatRequest r) {
    Captured<GetContentsAndStatResponse> c = new Captured<>();
    h.server.getContentsAndStat("", r, c);
    return c.ok();
  }

  private static SetContentsRequest set(CoreHarness h, long session, String path, String text) {
    return SetContentsRequest.newBuilder()
        .setHeader(h.next(session))
        .setPath(path)
        .setContents(ByteString.copyFromUtf8(text))
        .build();
  }

  private static Captured<SetContentsResponse> startWrite(
      CoreHarness h, long session, String path, String text) {
    Captured<SetContentsResponse> c = new Captured<>();
    h.server.setContents("", set(h, session, path, text), c);
    h.apply();
    return c;
  }

  private static void ack(Sink stream, long session, long epoch, long seq) {
    stream.stream.onRequest(
        KeepAliveRequest.newBuilder()
            .setSessionId(session)
            .setCacheEpoch(epoch)
            .setAckedInvalidationSeq(seq)
            .build());
  }

  private static KeepAliveResponse lastResponse(Sink stream) {
    return stream.responses.get(stream.responses.size() - 1);
  }

  private static CacheInvalidation lastInvalidation(Sink stream) {
    List<CacheInvalidation> all = new ArrayList<>();
    stream.responses.forEach(r -> all.addAll(r.getInvalidationsList()));
    return all.get(all.size() - 1);
  }
}
