package io.lockd.namespace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockd.proto.ns.v1.ErrorCode;
import io.lockd.proto.v1.ErrorReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodePathTest {
  private static final NamespaceLimits LIMITS =
      NamespaceLimits.builder().maxPathBytes(32).maxPathDepth(4).build();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/a",
        "/a/b",
        "/a b/c-d_e.f",
        "/.hidden",
        "/a/...",
        "/ünï/çødé",
        "/\uD83D\uDE00",
        "/a/b/c/d"
      })
  void acceptsValidPaths(String path) {
    assertEquals(path, NodePath.validate(path, LIMITS));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "a",
        "a/b",
        "/a/",
        "//",
        "/a//b",
        "/.",
        "/a/./b",
        "/..",
        "/a/..",
        "/a\u0000b",
        "/a\nb",
        "/a\u007fb",
        "/a\u0085b",
        "/a\u2028b",
        "/a\uffffb",
        "/a\uD800",
        "/a\uDC00b",
        "/a/b/c/d/e",
        "/0123456789/0123456789/0123456789"
      })
  void refusesInvalidPaths(String path) {
    NamespaceException e =
        assertThrows(NamespaceException.class, () -> NodePath.validate(path, LIMITS));
    assertEquals(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, e.code());
    assertEquals(ErrorReason.ERROR_REASON_BAD_PATH, e.reason());
    assertTrue(e.getMessage().startsWith("path \""), e.getMessage());
  }

  @Test
  void lengthCountsUtf8Bytes() {
    String path = "/" + "é".repeat(15); // 31 bytes: fits 32
    assertEquals(path, NodePath.validate(path, LIMITS));
    NamespaceException e =
        assertThrows(NamespaceException.class, () -> NodePath.validate(path + "é", LIMITS));
    assertTrue(e.getMessage().contains("33 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("maxPathBytes=32"), e.getMessage());
  }

  @Test
  void messagesSayWhatIsWrong() {
    assertMessage("/a//b", "component 2 is empty");
    assertMessage("/a/..", "component 2 is \"..\"");
    assertMessage("rel", "does not start with \"/\"");
    assertMessage("/a/", "ends with \"/\"");
    assertMessage("/a\u0001", "U+0001 at index 2");
    assertMessage("/a/b/c/d/e", "5 components; limit maxPathDepth=4");
  }

  @Test
  void parentNameAndChild() {
    assertEquals("/", NodePath.parent("/a"));
    assertEquals("/a/b", NodePath.parent("/a/b/c"));
    assertEquals("c", NodePath.name("/a/b/c"));
    assertEquals("/x", NodePath.child("/", "x"));
    assertEquals("/a/x", NodePath.child("/a", "x"));
  }

  @Test
  void quoteEscapesAndCuts() {
    assertEquals("\"/a\\u000ab\\\"\"", NodePath.quote("/a\nb\""));
    String quoted = NodePath.quote("/" + "x".repeat(500));
    assertTrue(quoted.endsWith("... (501 chars)"), quoted);
    assertTrue(quoted.length() < 150, quoted);
  }

  @Test
  void sortedPathsPutAncestorsFirst() {
    assertTrue("/a".compareTo("/a/b") < 0);
    assertTrue("/a/b".compareTo("/a/b/c") < 0);
  }

  private static void assertMessage(String path, String fragment) {
    NamespaceException e =
        assertThrows(NamespaceException.class, () -> NodePath.validate(path, LIMITS));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
