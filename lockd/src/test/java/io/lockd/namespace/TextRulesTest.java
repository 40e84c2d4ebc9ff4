package io.lockd.namespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.ns.v1.CreateSessionOp;
import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.ns.v1.NamespaceResult;
import io.lockd.proto.v1.ErrorReason;
import io.lockd.proto.v1.NodeKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names people read (paths, client names) hold only characters that print as themselves, and a path
 * has one spelling (NFC); the rule is fixed, so replicas on different JDKs agree.
 */
class TextRulesTest {
  private static final NamespaceLimits LIMITS = NamespaceLimits.defaults();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/a\u200bb", // zero-width space
        "/a\u200db", // zero-width joiner
        "/a\u202eb", // right-to-left override
        "/a\u2066b", // left-to-right isolate
        "/a\u200fb", // right-to-left mark
        "/a\ufeffb", // byte-order mark
        "/a\u00adb", // soft hyphen
        "/a\u001bb", // ESC
        "/a\u0000b",
        "/a\u009bb", // C1 CSI
        "/a\udb40\udc01b", // U+E0001 LANGUAGE TAG
      })
  void refusesCharactersThatDoNotPrintAsThemselves(String path) {
    NamespaceException e =
        assertThrows(NamespaceException.class, () -> NodePath.validate(path, LIMITS));
    assertEquals(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, e.code());
    assertEquals(ErrorReason.ERROR_REASON_BAD_PATH, e.reason());
    assertTrue(e.getMessage().contains("non-printable character U+"), e.getMessage());
    assertTrue(e.getMessage().contains("at index 2"), e.getMessage());
  }

  @Test
  void messagesNameTheKindOfCharacter() {
    assertTrue(message("/a\u202eb").contains("U+202E at index 2 (a bidirectional control)"));
    assertTrue(message("/a\u200bb").contains("U+200B at index 2 (an invisible format character)"));
    assertTrue(message("/a\u001bb").contains("U+001B at index 2 (a control character)"));
    assertTrue(
        message("/a\udb40\udc01").contains("U+E0001 at index 2 (an invisible format character)"));
    // The refused character itself is escaped in the message, not printed.
    assertTrue(message("/a\u202eb").contains("\"/a\\u202eb\""), message("/a\u202eb"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"/\u00e9t\u00e9", "/\u65e5\u672c", "/\uD83D\uDE00", "/a b", "/\u05e9\u05dc"})
  void acceptsPrintableText(String path) {
    assertEquals(path, NodePath.validateSpelling(path, LIMITS));
  }

  /** The fixed list must hold every format character this JDK knows, and nothing else. */
  @Test
  void theFixedListIsUnicodesFormatCategory() {
    for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
      int type = Character.getType(c);
      if (type == Character.FORMAT) {
        assertTrue(TextRules.isFormat(c), String.format("U+%04X is Cf but not in the list", c));
      } else if (TextRules.isFormat(c)) {
        assertEquals(
            Character.UNASSIGNED,
            type,
            String.format("U+%04X is in the list but this JDK says category %d", c, type));
      }
    }
  }

  @Test
  void pathsMustBeNfcWhereClientsNameThem() {
    String decomposed = "/cafe\u0301"; // e + combining acute
    assertEquals(decomposed, NodePath.validate(decomposed, LIMITS), "applying does not check NFC");
    NamespaceException e =
        assertThrows(NamespaceException.class, () -> NodePath.validateSpelling(decomposed, LIMITS));
    assertEquals(ErrorReason.ERROR_REASON_BAD_PATH, e.reason());
    assertTrue(e.getMessage().contains("not in Unicode normalization form NFC"), e.getMessage());
    assertTrue(e.getMessage().contains("(as NFC: \"/caf\u00e9\")"), e.getMessage());

    Harness h = new Harness();
    NamespaceException onRead =
        assertThrows(NamespaceException.class, () -> h.ns.getStat(decomposed));
    assertEquals(ErrorReason.ERROR_REASON_BAD_PATH, onRead.reason());
  }

  @Test
  void snapshotsWrittenBeforeTheRuleStillLoad() {
    assertEquals("/a\u200bb", NodePath.validateStored("/a\u200bb", LIMITS));
    assertThrows(NamespaceException.class, () -> NodePath.validateStored("/a\nb", LIMITS));
  }

  @Test
  void createRefusesAHostilePathWhenApplied() {
    Harness h = new Harness();
    long s = h.session();
    NamespaceResult r = h.create(s, "/evil\u202etxt.exe", NodeKind.NODE_KIND_FILE, false, "");
    Harness.fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_PATH);
  }

  @ParameterizedTest
  @ValueSource(strings = {"worker\n1", "worker\u001b[31m", "nul\u0000", "rtl\u202e", "zw\u200b"})
  void clientNamesFollowTheSameRule(String name) {
    NamespaceException e =
        assertThrows(NamespaceException.class, () -> new Namespace().checkClientName(name));
    assertEquals(ErrorReason.ERROR_REASON_BAD_ARGUMENT, e.reason());
    assertTrue(e.getMessage().startsWith("client_name "), e.getMessage());
    assertTrue(e.getMessage().contains("non-printable character U+"), e.getMessage());

    Harness h = new Harness();
    NamespaceResult r =
        h.leader(b -> b.setCreateSession(CreateSessionOp.newBuilder().setClientName(name)));
    Harness.fails(r, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ErrorReason.ERROR_REASON_BAD_ARGUMENT);
    assertEquals(0, h.ns.listSessions().getSessionsCount());
  }

  @Test
  void printableClientNamesAreFine() {
    new Namespace().checkClientName("lockctl:4242 (caf\u00e9 \u65e5\u672c)");
    assertNull(TextRules.refusal("ordinary name", true));
  }

  private static String message(String path) {
    return assertThrows(NamespaceException.class, () -> NodePath.validate(path, LIMITS))
        .getMessage();
  }
}
