package io.lockd.client;

import io.lockd.proto.v1.AclEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A node's access control list: who may read, write, lock and administer (change the ACL of) a
 * node. A caller may do what any entry naming it grants: its identity, a group it is listed in
 * ({@code group:<name>}, the identities in the file {@code /lockd/groups/<name>}, one per line), or
 * {@code anyone} (every caller, the anonymous one included). An ACL with no entries grants nothing.
 *
 * <p>The root starts with {@code anyone:rwla}, and a new node gets a copy of its parent's ACL at
 * creation, so a cell where nobody sets an ACL is open to all. Each change of a node's ACL grows
 * its {@link NodeStat#aclGeneration()}.
 *
 * <pre>{@code
 * Acl acl = Acl.parse("alice:rwla", "group:ops:rw", "anyone:r");
 * client.setAcl("/service", acl);                 // needs the admin right on /service
 * NodeStat st = client.stat("/service");
 * client.setAcl("/service", Acl.parse("alice:rwla"), st.aclGeneration()); // compare-and-set
 * Acl now = client.getAcl("/service");             // needs the read right
 * }</pre>
 */
public final class Acl {
  /** The principal that names every caller, the anonymous one included. */
  public static final String ANYONE = "anyone";

  /** The prefix of a group principal: {@code group:ops} is everyone listed in /lockd/groups/ops. */
  public static final String GROUP_PREFIX = "group:";

  /** The open ACL the root starts with: {@code anyone:rwla}. */
  public static final Acl OPEN = new Acl(List.of(new Entry(ANYONE, EnumSet.allOf(Right.class))));

  /** What an entry lets its principal do with a node. */
  public enum Right {
    /** Read the node: stat, contents, children, lock info, its ACL; watch it. */
    READ('r'),
    /** Change the node: write its contents, create children in it, delete it (with the parent). */
    WRITE('w'),
    /** Acquire and release the node's lock. */
    LOCK('l'),
    /** Change the node's ACL. */
    ADMIN('a');

    private final char letter;

    Right(char letter) {
      this.letter = letter;
    }

    /** Its letter in the text form: r, w, l or a. */
    public char letter() {
      return letter;
    }
  }

  /**
   * One entry: a principal and the rights it grants.
   *
   * @param principal an identity, {@code group:<name>} or {@code anyone}
   * @param rights at least one right
   */
  public record Entry(String principal, Set<Right> rights) {
    public Entry {
      if (principal == null || principal.isEmpty()) {
        throw new IllegalArgumentException("an ACL entry needs a principal");
      }
      if (rights == null || rights.isEmpty()) {
        throw new IllegalArgumentException("the ACL entry for " + principal + " grants no right");
      }
      rights = Collections.unmodifiableSet(EnumSet.copyOf(rights));
    }

    /** "alice:rwl", "group:ops:rwla", "anyone:r": the principal, a colon, then rights letters. */
    public static Entry parse(String text) {
      int colon = text.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            "ACL entry \"" + text + "\" is not PRINCIPAL:RIGHTS (e.g. alice:rwl, anyone:r)");
      }
      EnumSet<Right> rights = EnumSet.noneOf(Right.class);
      for (char c : text.substring(colon + 1).toCharArray()) {
        rights.add(right(c, text));
      }
      return new Entry(text.substring(0, colon), rights);
    }

    private static Right right(char c, String text) {
      for (Right r : Right.values()) {
        if (r.letter == c) {
          return r;
        }
      }
      throw new IllegalArgumentException(
          "ACL entry \"" + text + "\": '" + c + "' is not a right (r, w, l, a)");
    }

    @Override
    public String toString() {
      StringBuilder s = new StringBuilder(principal).append(':');
      for (Right r : rights) {
        s.append(r.letter);
      }
      return s.toString();
    }
  }

  private final List<Entry> entries;

  private Acl(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** An ACL of these entries (none: nobody may do anything). */
  public static Acl of(List<Entry> entries) {
    return new Acl(entries);
  }

  /** Parses entries in the text form {@code PRINCIPAL:RIGHTS}, as {@code lockctl acl set} does. */
  public static Acl parse(String... entries) {
    List<Entry> out = new ArrayList<>();
    for (String e : entries) {
      out.add(Entry.parse(e));
    }
    return new Acl(out);
  }

  public List<Entry> entries() {
    return entries;
  }

  static Acl fromProto(io.lockd.proto.v1.Acl acl) {
    List<Entry> out = new ArrayList<>();
    for (AclEntry e : acl.getEntriesList()) {
      EnumSet<Right> rights = EnumSet.noneOf(Right.class);
      if (e.getRead()) {
        rights.add(Right.READ);
      }
      if (e.getWrite()) {
        rights.add(Right.WRITE);
      }
      if (e.getLock()) {
        rights.add(Right.LOCK);
      }
      if (e.getAdmin()) {
        rights.add(Right.ADMIN);
      }
      out.add(new Entry(e.getPrincipal(), rights));
    }
    return new Acl(out);
  }

  io.lockd.proto.v1.Acl toProto() {
    io.lockd.proto.v1.Acl.Builder b = io.lockd.proto.v1.Acl.newBuilder();
    for (Entry e : entries) {
      b.addEntries(
          AclEntry.newBuilder()
              .setPrincipal(e.principal())
              .setRead(e.rights().contains(Right.READ))
              .setWrite(e.rights().contains(Right.WRITE))
              .setLock(e.rights().contains(Right.LOCK))
              .setAdmin(e.rights().contains(Right.ADMIN)));
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Acl other && entries.equals(other.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  /** The text form, entries separated by spaces ("alice:rwla anyone:r"); "(none)" if empty. */
  @Override
  public String toString() {
    if (entries.isEmpty()) {
      return "(none)";
    }
    List<String> parts = new ArrayList<>();
    entries.forEach(e -> parts.add(e.toString()));
    return String.join(" ", parts);
  }
}
