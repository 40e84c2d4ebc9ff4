package io.lockd.namespace;

import java.util.Locale;

/**
 * Which characters a path or a client name may hold. These strings reach people (lockctl tables,
 * logs, error messages), so characters that do not show as themselves are refused: control
 * characters could forge lines or drive a terminal, and invisible or bidirectional format
 * characters could make two different names look the same, or one name look like another.
 *
 * <p>Refused: C0 and C1 control characters and DEL; every format character (Unicode category Cf:
 * zero-width spaces and joiners, bidirectional marks, embeddings, overrides and isolates, the
 * byte-order mark, invisible operators, tags...); the line and paragraph separators U+2028 and
 * U+2029; the non-characters U+FFFE and U+FFFF; unpaired surrogates.
 *
 * <p>The format characters are a fixed list (those of Unicode 16), not {@code Character.getType}:
 * the JDK's tables change between releases, and two replicas on different JDKs must never disagree
 * on whether a command is valid.
 */
final class TextRules {
  /** Unicode 16's format (Cf) characters, as sorted inclusive ranges. */
  private static final int[] FORMAT_RANGES = {
    0x00AD, 0x00AD,
    0x0600, 0x0605,
    0x061C, 0x061C,
    0x06DD, 0x06DD,
    0x070F, 0x070F,
    0x0890, 0x0891,
    0x08E2, 0x08E2,
    0x180E, 0x180E,
    0x200B, 0x200F,
    0x202A, 0x202E,
    0x2060, 0x2064,
    0x2066, 0x206F,
    0xFEFF, 0xFEFF,
    0xFFF9, 0xFFFB,
    0x110BD, 0x110BD,
    0x110CD, 0x110CD,
    0x13430, 0x1343F,
    0x1BCA0, 0x1BCA3,
    0x1D173, 0x1D17A,
    0xE0001, 0xE0001,
    0xE0020, 0xE007F,
  };

  private TextRules() {}

  /**
   * Why {@code s} is refused ("the non-printable character U+001B at index 3 (a control
   * character)"), or null if every character is allowed.
   *
   * @param formatCharacters whether format characters are refused too (false only to read state
   *     written before they were, see {@link NodePath#validateStored})
   */
  static String refusal(String s, boolean formatCharacters) {
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      String kind = kind(c, formatCharacters);
      if (kind != null) {
        return String.format(
            Locale.ROOT, "the non-printable character U+%04X at index %d (%s)", c, i, kind);
      }
      i += Character.charCount(c);
    }
    return null;
  }

  private static String kind(int c, boolean formatCharacters) {
    if (c >= 0x20 && c < 0x7f) {
      return null; // printable ASCII: the common case
    }
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
      return "a control character";
    }
    if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
      return "an unpaired surrogate";
    }
    if (c == 0x2028 || c == 0x2029) {
      return "a line or paragraph separator";
    }
    if (c == 0xFFFE || c == 0xFFFF) {
      return "a non-character";
    }
    if (formatCharacters && isFormat(c)) {
      return (c >= 0x202A && c <= 0x202E)
              || (c >= 0x2066 && c <= 0x2069)
              || c == 0x200E
              || c == 0x200F
              || c == 0x061C
          ? "a bidirectional control"
          : "an invisible format character";
    }
    return null;
  }

  /** Whether {@code c} is one of Unicode 16's format (Cf) characters. */
  static boolean isFormat(int c) {
    for (int i = 0; i < FORMAT_RANGES.length && FORMAT_RANGES[i] <= c; i += 2) {
      if (c <= FORMAT_RANGES[i + 1]) {
        return true;
      }
    }
    return false;
  }
}
