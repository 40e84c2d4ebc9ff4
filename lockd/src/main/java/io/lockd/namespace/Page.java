package io.lockd.namespace;

/**
 * One page of a listing (ListChildren, ListSessions, GetLockInfo's holders and waiters) being
 * filled: it takes entries until it holds the page size or about {@link #BYTES_MAX} bytes, and
 * never stays empty while entries remain. With every entry bounded by the limits (a name by {@link
 * NamespaceLimits#PATH_BYTES_CAP}, a client name by {@link NamespaceLimits#CLIENT_NAME_BYTES_CAP}),
 * a page stays well under gRPC's default 4 MiB receive limit, so no legal state makes an answer a
 * default client cannot read.
 *
 * <p>Tokens say where the next page starts, as a position in the listing's order (a name, a session
 * id), not an offset: an entry that exists through the whole listing is seen exactly once even if
 * others come and go between pages.
 */
final class Page {
  /** The most entries in one page, and the size of a page when the request names none. */
  static final int SIZE_MAX = 1_000;

  /** About the most bytes of entries in one page: a quarter of gRPC's default receive limit. */
  static final int BYTES_MAX = 1 << 20;

  private final int size;
  private int count;
  private long bytes;

  private Page(int size) {
    this.size = size;
  }

  /** A page for a request's page_size: 0 means {@link #SIZE_MAX}, larger is lowered to it. */
  static Page of(int requestedSize) {
    if (requestedSize < 0) {
      throw NamespaceException.badArgument("page_size must not be negative, was %d", requestedSize);
    }
    return new Page(requestedSize == 0 ? SIZE_MAX : Math.min(requestedSize, SIZE_MAX));
  }

  /** Takes an entry of about {@code entryBytes} bytes if it fits; false if the page is full. */
  boolean take(long entryBytes) {
    if (count >= size || (count > 0 && bytes + entryBytes > BYTES_MAX)) {
      return false;
    }
    count++;
    bytes += entryBytes;
    return true;
  }

  /** A token for the position after {@code last} in a listing of {@code kind}. */
  static String token(char kind, String last) {
    return kind + "1:" + last;
  }

  /**
   * The position a token names, or null for the empty token (the first page); INVALID_ARGUMENT if
   * it is not a token of this kind of listing.
   */
  static String position(char kind, String token) {
    if (token.isEmpty()) {
      return null;
    }
    if (token.length() < 3 || token.charAt(0) != kind || !token.startsWith("1:", 1)) {
      throw badToken();
    }
    return token.substring(3);
  }

  /** A token position that must be an unsigned decimal number (a session id). */
  static long number(String position) {
    try {
      return Long.parseUnsignedLong(position);
    } catch (NumberFormatException e) {
      throw badToken();
    }
  }

  static NamespaceException badToken() {
    return NamespaceException.badArgument(
        "page_token is not a token this listing issued (pass next_page_token back unchanged)");
  }
}
