package io.lockd.client;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lockd.proto.v1.GetLockInfoResponse;
import io.lockd.proto.v1.LockHolder;
import io.lockd.proto.v1.LockInfo;
import io.lockd.proto.v1.LockWaiter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Follows a listing's pages (ListChildren, ListSessions, GetLockInfo): the cell answers a long
 * listing in pages that each fit under gRPC's default receive limit, and this asks again with each
 * next_page_token until there is none, then hands over every page at once. Each page is a call of
 * its own, with its own deadline and retries (a leader change between pages is fine: tokens name a
 * position in the listing, not a server's memory). Loop thread only.
 */
final class Pages<Q, A> {
  /** A listing longer than this many pages is a server that does not end it. */
  static final int PAGES_MAX = 100_000;

  private final Rpc rpc;
  private final MethodDescriptor<Q, A> method;
  private final Function<String, Q> request;
  private final Function<A, String> nextToken;
  private final LongSupplier deadline;
  private final BiConsumer<List<A>, LockdException> done;
  private final List<A> pages = new ArrayList<>();

  private Pages(
      Rpc rpc,
      MethodDescriptor<Q, A> method,
      Function<String, Q> request,
      Function<A, String> nextToken,
      LongSupplier deadline,
      BiConsumer<List<A>, LockdException> done) {
    this.rpc = rpc;
    this.method = method;
    this.request = request;
    this.nextToken = nextToken;
    this.deadline = deadline;
    this.done = done;
  }

  /**
   * Fetches every page; {@code done} gets them all, in order, or the first error.
   *
   * @param request the request for a page token ("" for the first page)
   * @param deadline each page's deadline, asked when the page is requested
   */
  static <Q, A> void fetch(
      Rpc rpc,
      MethodDescriptor<Q, A> method,
      Function<String, Q> request,
      Function<A, String> nextToken,
      LongSupplier deadline,
      BiConsumer<List<A>, LockdException> done) {
    new Pages<>(rpc, method, request, nextToken, deadline, done).ask("");
  }

  private void ask(String token) {
    rpc.start(
        method,
        request.apply(token),
        true,
        deadline.getAsLong(),
        (A page, LockdException e) -> {
          if (e != null) {
            done.accept(null, e);
            return;
          }
          pages.add(page);
          String next = nextToken.apply(page);
          if (next.isEmpty()) {
            done.accept(pages, null);
          } else if (next.equals(token) || pages.size() >= PAGES_MAX) {
            done.accept(
                null,
                new LockdException(
                    Status.Code.INTERNAL,
                    LockdException.Reason.UNSPECIFIED,
                    method.getBareMethodName()
                        + ": the cell's listing does not end ("
                        + pages.size()
                        + " pages)"));
          } else {
            ask(next);
          }
        });
  }

  /**
   * One lock's pages as one LockInfo: the latest page's mode, generation and lock-delay, every
   * page's holders, then waiters, each session once (a waiter may be repeated across pages when the
   * queue moved between them).
   */
  static LockInfo lockInfo(List<GetLockInfoResponse> pages) {
    Map<Long, LockHolder> holders = new LinkedHashMap<>();
    Map<Long, LockWaiter> waiters = new LinkedHashMap<>();
    for (GetLockInfoResponse page : pages) {
      page.getLock().getHoldersList().forEach(h -> holders.putIfAbsent(h.getSessionId(), h));
      page.getLock().getWaitersList().forEach(w -> waiters.putIfAbsent(w.getSessionId(), w));
    }
    return pages.get(pages.size() - 1).getLock().toBuilder()
        .clearHolders()
        .addAllHolders(holders.values())
        .clearWaiters()
        .addAllWaiters(waiters.values())
        .build();
  }
}
