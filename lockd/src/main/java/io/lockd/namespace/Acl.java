package io.lockd.namespace;

import io.lockd.proto.v1.AclEntry;
import java.util.Arrays;

/**
 * A node's access control list, immutable so that nodes share it: a new node takes its parent's
 * object (Chubby copies the parent's ACL at creation; sharing the immutable value is the same copy
 * without the cost), and the root starts with {@link #OPEN}. A check against {@link #OPEN}, the
 * common case in a cell where nobody sets ACLs, is one reference comparison.
 *
 * <p>Entries are kept sorted by principal, each principal once, so that equal ACLs have equal
 * encodings in snapshots on every replica.
 */
final class Acl {
  static final int READ = 1;
  static final int WRITE = 2;
  static final int LOCK = 4;
  static final int ADMIN = 8;
  static final int ALL = READ | WRITE | LOCK | ADMIN;

  /** The principal every caller matches, the anonymous one included. */
  static final String ANYONE = "anyone";

  /** A principal {@code group:<name>} names the identities listed in /lockd/groups/<name>. */
  static final String GROUP_PREFIX = "group:";

  /** Limit: entries per ACL (a check walks them all, on every command for the node). */
  static final int ENTRIES_MAX = 64;

  /** Limit: bytes of UTF-8 per principal (and per identity in a group file). */
  static final int PRINCIPAL_BYTES_MAX = 1024;

  /** [anyone: all rights]: the root's ACL until someone changes it. */
  static final Acl OPEN = new Acl(new String[] {ANYONE}, new int[] {ALL});

  private final String[] principals;
  private final int[] rights;
  private final io.lockd.proto.v1.Acl proto;

  private Acl(String[] principals, int[] rights) {
    this.principals = principals;
    this.rights = rights;
    io.lockd.proto.v1.Acl.Builder b = io.lockd.proto.v1.Acl.newBuilder();
    for (int i = 0; i < principals.length; i++) {
      b.addEntries(
          AclEntry.newBuilder()
              .setPrincipal(principals[i])
              .setRead((rights[i] & READ) != 0)
              .setWrite((rights[i] & WRITE) != 0)
              .setLock((rights[i] & LOCK) != 0)
              .setAdmin((rights[i] & ADMIN) != 0));
    }
    this.proto = b.build();
  }

  /**
   * The ACL a client asked for, or INVALID_ARGUMENT naming what is wrong: too many entries, an
   * empty, unprintable or too long principal, a group with no name, a principal named twice, an
   * entry that grants nothing.
   */
  static Acl fromProto(io.lockd.proto.v1.Acl acl) {
    int n = acl.getEntriesCount();
    if (n > ENTRIES_MAX) {
      throw NamespaceException.badArgument(
          "the ACL has %d entries; limit ENTRIES_MAX=%d", n, ENTRIES_MAX);
    }
    AclEntry[] sorted = acl.getEntriesList().toArray(new AclEntry[0]);
    Arrays.sort(sorted, (a, b) -> a.getPrincipal().compareTo(b.getPrincipal()));
    String[] principals = new String[n];
    int[] rights = new int[n];
    for (int i = 0; i < n; i++) {
      AclEntry e = sorted[i];
      principals[i] = checkPrincipal(e.getPrincipal());
      if (i > 0 && principals[i].equals(principals[i - 1])) {
        throw NamespaceException.badArgument(
            "the ACL names %s twice", NodePath.quote(principals[i]));
      }
      rights[i] =
          (e.getRead() ? READ : 0)
              | (e.getWrite() ? WRITE : 0)
              | (e.getLock() ? LOCK : 0)
              | (e.getAdmin() ? ADMIN : 0);
      if (rights[i] == 0) {
        throw NamespaceException.badArgument(
            "the ACL entry for %s grants no right", NodePath.quote(principals[i]));
      }
    }
    Acl parsed = new Acl(principals, rights);
    return parsed.equals(OPEN) ? OPEN : parsed;
  }

  private static String checkPrincipal(String principal) {
    String what = "ACL principal " + NodePath.quote(principal);
    if (principal.isEmpty()) {
      throw NamespaceException.badArgument(
          "an ACL principal is empty (the anonymous caller is matched by \"%s\")", ANYONE);
    }
    String refusal = TextRules.refusal(principal, true);
    if (refusal != null) {
      throw NamespaceException.badArgument("%s is invalid: it has %s", what, refusal);
    }
    int bytes = NodePath.utf8Length(principal);
    if (bytes > PRINCIPAL_BYTES_MAX) {
      throw NamespaceException.badArgument(
          "ACL principal is %d bytes of UTF-8; limit PRINCIPAL_BYTES_MAX=%d",
          bytes, PRINCIPAL_BYTES_MAX);
    }
    if (principal.startsWith(GROUP_PREFIX)) {
      Groups.checkName(principal.substring(GROUP_PREFIX.length()), what);
    }
    return principal;
  }

  /** The ACL as the client API and the snapshot carry it. */
  io.lockd.proto.v1.Acl toProto() {
    return proto;
  }

  /** Whether {@code identity} has every bit of {@code right} here, its groups considered. */
  boolean allows(String identity, int right, NamespaceState state) {
    if (this == OPEN) {
      return true;
    }
    for (int i = 0; i < principals.length; i++) {
      if ((rights[i] & right) == right && matches(principals[i], identity, state)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(String principal, String identity, NamespaceState state) {
    if (principal.equals(ANYONE)) {
      return true;
    }
    if (principal.startsWith(GROUP_PREFIX)) {
      return !identity.isEmpty()
          && Groups.contains(state, principal.substring(GROUP_PREFIX.length()), identity);
    }
    return principal.equals(identity);
  }

  /** The name of one right, as messages and lockctl say it. */
  static String name(int right) {
    return switch (right) {
      case READ -> "read";
      case WRITE -> "write";
      case LOCK -> "lock";
      case ADMIN -> "admin";
      default -> throw new IllegalArgumentException("not a single right: " + right);
    };
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof Acl other
            && Arrays.equals(principals, other.principals)
            && Arrays.equals(rights, other.rights));
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(principals) + Arrays.hashCode(rights);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < principals.length; i++) {
      s.append(i == 0 ? "" : " ").append(principals[i]).append(':');
      for (int r = READ; r <= ADMIN; r <<= 1) {
        if ((rights[i] & r) != 0) {
          s.append(name(r).charAt(0));
        }
      }
    }
    return s.toString();
  }
}
