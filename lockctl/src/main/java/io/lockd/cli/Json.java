package io.lockd.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small JSON writer for lockctl's {@code -o json}: maps (insertion order kept), lists, strings,
 * numbers, booleans and null, pretty-printed with two-space indents. Hand-written because this is
 * all lockctl needs, and a JSON library would be the CLI's largest dependency.
 *
 * <p>Strings keep their exact value for a JSON reader, but every character that does not print as
 * itself ({@link Printable#unsafe}: controls, bidirectional and other format characters...) is
 * written as a JSON escape, so that the output is safe on a terminal too.
 */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, 0);
    return b.toString();
  }

  /** One line, for streams of events (JSON Lines). */
  static String writeLine(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, -1);
    return b.toString();
  }

  private static void write(StringBuilder b, Object v, int indent) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String s) {
      string(b, s);
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof Map<?, ?> m) {
      object(b, m, indent);
    } else if (v instanceof List<?> l) {
      array(b, l, indent);
    } else {
      string(b, v.toString());
    }
  }

  private static void object(StringBuilder b, Map<?, ?> m, int indent) {
    if (m.isEmpty()) {
      b.append("{}");
      return;
    }
    b.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      newline(b, inner(indent));
      string(b, String.valueOf(e.getKey()));
      b.append(indent < 0 ? ":" : ": ");
      write(b, e.getValue(), inner(indent));
    }
    newline(b, indent);
    b.append('}');
  }

  private static void array(StringBuilder b, List<?> l, int indent) {
    if (l.isEmpty()) {
      b.append("[]");
      return;
    }
    b.append('[');
    boolean first = true;
    for (Object o : l) {
      if (!first) {
        b.append(',');
      }
      first = false;
      newline(b, inner(indent));
      write(b, o, inner(indent));
    }
    newline(b, indent);
    b.append(']');
  }

  /** The indent of nested values: one more, or -1 (one line) throughout. */
  private static int inner(int indent) {
    return indent < 0 ? -1 : indent + 1;
  }

  private static void newline(StringBuilder b, int indent) {
    if (indent < 0) {
      return;
    }
    b.append('\n');
    b.append("  ".repeat(indent));
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || Printable.unsafe(c)) {
            for (char unit : Character.toChars(c)) {
              b.append(String.format(Locale.ROOT, "\\u%04x", (int) unit));
            }
          } else {
            b.appendCodePoint(c);
          }
        }
      }
    }
    b.append('"');
  }
}
