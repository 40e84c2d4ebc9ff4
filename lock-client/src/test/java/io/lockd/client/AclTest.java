package io.lockd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ACL value type: its text form (lockctl's) and its wire form. */
class AclTest {
  @Test
  void theTextFormNamesPrincipalThenRights() {
    Acl acl = Acl.parse("alice:rwl", "group:ops:rwla", "spiffe://cell/bob:r", "anyone:r");
    assertEquals(
        List.of(
            new Acl.Entry("alice", EnumSet.of(Acl.Right.READ, Acl.Right.WRITE, Acl.Right.LOCK)),
            new Acl.Entry("group:ops", EnumSet.allOf(Acl.Right.class)),
            new Acl.Entry("spiffe://cell/bob", EnumSet.of(Acl.Right.READ)),
            new Acl.Entry(Acl.ANYONE, EnumSet.of(Acl.Right.READ))),
        acl.entries());
    assertEquals("alice:rwl group:ops:rwla spiffe://cell/bob:r anyone:r", acl.toString());
    assertEquals("(none)", Acl.parse().toString());
    assertEquals(acl, Acl.fromProto(acl.toProto()));
    assertEquals(Acl.OPEN, Acl.parse("anyone:rwla"));
  }

  @Test
  void aMalformedEntrySaysWhy() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Acl.parse("alice"))
            .getMessage()
            .contains("PRINCIPAL:RIGHTS"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Acl.parse("alice:rwx"))
            .getMessage()
            .contains("'x' is not a right"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Acl.parse("alice:"))
            .getMessage()
            .contains("grants no right"));
  }
}
