package io.lockd.cli;

import java.util.Locale;

/**
 * Makes text that came from the cell safe to print. lockctl shows names, client names, messages and
 * contents that other clients chose; the cell refuses control and format characters in paths and
 * client names, but state written before that rule, contents, and a cell of another version may
 * still hold them. Printed raw, a newline forges a table row, an escape sequence drives the
 * terminal, and a bidirectional override shows a name reversed.
 *
 * <p>So every character that does not print as itself is escaped: newline, carriage return and tab
 * as backslash-n, -r and -t; other controls up to U+00FF as backslash-x and two hex digits (ESC:
 * "\x1b"); format characters (bidirectional controls, zero-width spaces, the byte-order mark...),
 * line and paragraph separators, unpaired surrogates and unassigned code points as backslash-u and
 * four hex digits (U+202E: backslash, "u202e"), or backslash-U and eight above the BMP; and the
 * backslash itself is doubled, so that an escape cannot be faked.
 */
final class Printable {
  private Printable() {}

  /** {@code s} with every character that does not print as itself escaped. */
  static String escape(String s) {
    if (!needsEscape(s)) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (!unsafe(c)) {
            out.appendCodePoint(c);
          } else if (c <= 0xff) {
            out.append(String.format(Locale.ROOT, "\\x%02x", c));
          } else if (c <= 0xffff) {
            out.append(String.format(Locale.ROOT, "\\u%04x", c));
          } else {
            out.append(String.format(Locale.ROOT, "\\U%08x", c));
          }
        }
      }
    }
    return out.toString();
  }

  private static boolean needsEscape(String s) {
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (c == '\\' || unsafe(c)) {
        return true;
      }
      i += Character.charCount(c);
    }
    return false;
  }

  /** Whether a code point does not print as itself (see the class comment). */
  static boolean unsafe(int c) {
    if (c >= 0x20 && c < 0x7f) {
      return false;
    }
    return switch (Character.getType(c)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE,
          Character.UNASSIGNED ->
          true;
      default -> false;
    };
  }
}
