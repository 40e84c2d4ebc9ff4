package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.lockd.testing.InJvmCell;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many sessions in one process over one connection (a proxy, an application server): a client per
 * session shares the runtime's one connection to the replica, the default limit of calls per
 * connection carries 5,000 of them (each holds a Calls stream; their KeepAlives share one
 * KeepAlives stream per loop thread), and a server configured with a smaller limit refuses the
 * session over it at once, with an error that names the option, instead of leaving its calls
 * waiting in the transport.
 */
class ManySessionsTest {
  private static final int SESSIONS = 5_000;
  private static final int WAVE = 250;

  private static LockClient.Builder builder(InJvmCell cell, int sessionsPerChannel) {
    return Clients.builder(cell).sessionsPerChannel(sessionsPerChannel);
  }

  private static void closeAll(List<LockClient> clients) {
    for (int i = clients.size() - 1; i >= 0; i--) {
      clients.get(i).close();
    }
  }

  @Test
  void fiveThousandSessionsLiveOnOneConnection() throws Exception {
    KeepAliveRefusals streams = new KeepAliveRefusals(0, Status.OK, Metadata::new); // counts only
    try (InJvmCell cell = InJvmCell.builder().size(1).clientInterceptor(streams).start()) {
      cell.awaitLeader();
      List<LockClient> clients = new ArrayList<>();
      try {
        LockClient.Builder b = builder(cell, SESSIONS);
        List<CompletableFuture<Session>> opening = new ArrayList<>();
        // In waves, as an application would ramp up: 5,000 creations at once on a busy 2-core
        // machine would only time out their attempts and retry.
        for (int i = 0; i < SESSIONS; i++) {
          LockClient c = b.clientName("tenant-" + i).build();
          clients.add(c);
          opening.add(c.async().session());
          if (opening.size() % WAVE == 0 || i == SESSIONS - 1) {
            CompletableFuture.allOf(
                    opening
                        .subList(opening.size() - 1 - (i % WAVE), opening.size())
                        .toArray(CompletableFuture[]::new))
                .get(60, TimeUnit.SECONDS);
          }
        }
        Set<Long> ids = new HashSet<>();
        for (CompletableFuture<Session> f : opening) {
          ids.add(f.join().id());
        }
        assertEquals(SESSIONS, ids.size());
        for (LockClient c : clients) {
          assertSame(clients.get(0).channelGroup(), c.channelGroup(), "one set of channels");
        }
        assertEquals(1, clients.get(0).channelGroup().channels().size(), "one connection");
        assertEquals(SESSIONS, clients.get(0).runtime().clients());

        Session first = opening.get(0).join();
        // Past a whole lease: every session must have been kept alive by its stream.
        Thread.sleep(first.lease().toMillis() + 2_000);
        for (CompletableFuture<Session> f : opening) {
          Session s = f.join();
          assertTrue(
              s.state() == SessionState.CONNECTED || s.state() == SessionState.JEOPARDY,
              s + " is still alive");
        }
        assertEquals(SESSIONS, (int) cell.readLeader(ns -> ns.listSessions().getSessionsCount()));
        assertEquals(
            SESSIONS,
            (int) cell.awaitLeader().onLoop(server -> server.openStreams(), 10_000),
            "one KeepAlive stream per session");
        assertTrue(
            streams.streams() <= 2,
            "the sessions' KeepAlives share one KeepAlives stream (a second after a refusal): "
                + streams.streams()
                + " KeepAlive(s) calls");
        assertEquals(
            Set.copyOf(ids),
            Set.copyOf(
                cell.readLeader(
                    ns ->
                        ns.listSessions().getSessionsList().stream()
                            .map(i -> i.getSessionId())
                            .toList())),
            "none expired and was replaced");
      } finally {
        closeAll(clients);
      }
    }
  }

  @Test
  void aSessionOverTheConnectionLimitIsRefusedAtOnceNamingTheOption() throws Exception {
    int sessionsThatFit = 5;
    // Each client's Calls stream, and the KeepAlives stream the sessions of the one loop share.
    try (InJvmCell cell =
        InJvmCell.builder()
            .size(1)
            .settings(b -> b.maxCallsPerConnection(sessionsThatFit + 1))
            .start()) {
      cell.awaitLeader();
      List<LockClient> clients = new ArrayList<>();
      try {
        // No endpoint refresh: its Status call would hold one of the few calls counted here.
        LockClient.Builder b =
            builder(cell, 100)
                .loopThreads(1)
                .endpointRefresh(Duration.ZERO)
                .operationTimeout(Duration.ofSeconds(20));
        for (int i = 0; i < sessionsThatFit; i++) {
          LockClient c = b.clientName("fits-" + i).build();
          clients.add(c);
          c.session();
        }
        LockClient over = b.clientName("over").build();
        clients.add(over);
        // Before lockd counted calls itself, the call waited in the transport until its deadline.
        LockdException e = assertThrows(LockdException.class, over::session);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code(), e.toString());
        assertEquals(LockdException.Reason.LIMIT_REACHED, e.reason());
        assertTrue(e.getMessage().contains("--max-calls-per-connection"), e.getMessage());
        assertTrue(e.getMessage().contains(" " + (sessionsThatFit + 1) + " calls"), e.getMessage());
        for (int i = 0; i < sessionsThatFit; i++) {
          assertEquals(SessionState.CONNECTED, clients.get(i).session().state());
        }
      } finally {
        closeAll(clients);
      }
    }
  }

  @Test
  void aKeepAliveStreamOverTheLimitEndsTheSessionWithTheReason() throws Exception {
    // Room for the client's Calls stream (so its session is created) but not its KeepAlives.
    try (InJvmCell cell =
        InJvmCell.builder().size(1).settings(b -> b.maxCallsPerConnection(1)).start()) {
      cell.awaitLeader();
      // No endpoint refresh: its Status call would hold the one call counted here.
      try (LockClient over = builder(cell, 100).endpointRefresh(Duration.ZERO).build()) {
        Session refused = over.session();
        // Bounded: before, the stream waited in the transport and the session ran out its lease.
        refused.endedFuture().get(30, TimeUnit.SECONDS);
        assertEquals(SessionState.EXPIRED, refused.state());
      }
    }
  }

  @Test
  void oneOverloadedRefusalOfTheKeepAliveStreamIsRetried() throws Exception {
    // A replica whose work queue is full ends a KeepAlive stream RESOURCE_EXHAUSTED too, for a
    // moment only: that must not end the session as a limit does.
    KeepAliveRefusals refuseFirst =
        new KeepAliveRefusals(
            1, Status.RESOURCE_EXHAUSTED.withDescription("overloaded (test)"), Metadata::new);
    try (InJvmCell cell = InJvmCell.builder().size(1).clientInterceptor(refuseFirst).start()) {
      cell.awaitLeader();
      try (LockClient c = builder(cell, 100).build()) {
        Session s = c.session();
        KeepAliveRefusals.awaitOneOpenStream(
            cell, "the KeepAlive stream reopened after the refusal");
        assertEquals(SessionState.CONNECTED, s.state());
        assertTrue(refuseFirst.streams() >= 2, "refused once, then opened again");
      }
    }
  }

  @Test
  void againstAServerWithoutBatchedKeepAlivesEachSessionKeepsItsOwnStream() throws Exception {
    KeepAliveRefusals olderServer = KeepAliveRefusals.withoutBatches();
    try (InJvmCell cell = InJvmCell.builder().size(1).clientInterceptor(olderServer).start()) {
      cell.awaitLeader();
      List<LockClient> clients = new ArrayList<>();
      try {
        LockClient.Builder b = builder(cell, 100).sessionLease(Duration.ofSeconds(3));
        for (int i = 0; i < 3; i++) {
          LockClient c = b.clientName("older-" + i).build();
          clients.add(c);
          c.session();
        }
        Eventually.await(
            "one KeepAlive stream per session",
            () -> {
              try {
                return cell.awaitLeader().onLoop(server -> server.openStreams(), 10_000) == 3;
              } catch (Exception e) {
                return false;
              }
            });
        Session first = clients.get(0).session();
        Thread.sleep(first.lease().toMillis() + 1_000); // past a whole lease: kept alive
        for (LockClient c : clients) {
          assertEquals(SessionState.CONNECTED, c.session().state());
        }
        assertTrue(olderServer.streams() >= 1, "the KeepAlives stream was tried first");
      } finally {
        closeAll(clients);
      }
    }
  }
}
