package io.lockd.namespace;

import io.lockd.proto.v1.ErrorReason;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Paths of the node tree: absolute, "/"-separated, Unix-like. "/" is the root. A valid path has no
 * empty, "." or ".." component, no trailing "/", and only printable characters ({@link TextRules}),
 * and stays within the configured length (in UTF-8 bytes) and depth.
 *
 * <p>A path a client sends must also be in Unicode normalization form NFC, so that one node never
 * has two spellings that look alike (a client on macOS typing "é" decomposed, another composed).
 * Non-NFC paths are refused rather than normalized, so that the name a client gets back is the one
 * it sent. That check is {@link #validateSpelling}, made on requests before they are proposed and
 * on reads, never while applying a command: the normalizer's tables are the JDK's, which change
 * between releases, and applying must give the same result on every replica.
 *
 * <p>Sorted as Java strings, a path always comes before its descendants (it is their prefix), so
 * walking a sorted set of paths backwards visits children before their parents.
 */
final class NodePath {
  static final String ROOT = "/";

  /** Quoted paths in messages are cut to this many characters. */
  private static final int QUOTE_CHARS_MAX = 120;

  private NodePath() {}

  /** Returns {@code path} if it is valid under {@code limits}, or throws INVALID_ARGUMENT. */
  static String validate(String path, NamespaceLimits limits) {
    return validate(path, limits, true);
  }

  /**
   * {@link #validate}, and the path is in NFC: the whole rule for a path a client sends (see the
   * class comment for why applying a command does not check NFC).
   */
  static String validateSpelling(String path, NamespaceLimits limits) {
    validate(path, limits);
    if (!Normalizer.isNormalized(path, Normalizer.Form.NFC)) {
      throw bad(
          path,
          "it is not in Unicode normalization form NFC (as NFC: "
              + quote(Normalizer.normalize(path, Normalizer.Form.NFC))
              + ")");
    }
    return path;
  }

  /**
   * {@link #validate} without the refusal of format characters, which came later: a snapshot
   * written before it may hold such a path, and must still load.
   */
  static String validateStored(String path, NamespaceLimits limits) {
    return validate(path, limits, false);
  }

  private static String validate(String path, NamespaceLimits limits, boolean formatCharacters) {
    if (path.isEmpty()) {
      throw bad(path, "it is empty");
    }
    if (path.charAt(0) != '/') {
      throw bad(path, "it does not start with \"/\"");
    }
    if (path.equals(ROOT)) {
      return path;
    }
    if (path.endsWith("/")) {
      throw bad(path, "it ends with \"/\"");
    }
    String refusal = TextRules.refusal(path, formatCharacters);
    if (refusal != null) {
      throw bad(path, "it has " + refusal);
    }
    int bytes = utf8Length(path);
    if (bytes > limits.maxPathBytes()) {
      throw bad(
          path, "it is " + bytes + " bytes long; limit maxPathBytes=" + limits.maxPathBytes());
    }
    int depth = 0;
    int start = 1;
    while (start <= path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      depth++;
      checkComponent(path, path.substring(start, end), depth);
      start = end + 1;
    }
    if (depth > limits.maxPathDepth()) {
      throw bad(
          path, "it has " + depth + " components; limit maxPathDepth=" + limits.maxPathDepth());
    }
    return path;
  }

  /** The parent of a path other than the root. */
  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash == 0 ? ROOT : path.substring(0, slash);
  }

  /** The last component of a path other than the root. */
  static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The path of a child of {@code directory}. */
  static String child(String directory, String name) {
    return directory.equals(ROOT) ? ROOT + name : directory + "/" + name;
  }

  /**
   * The path in double quotes, fit for an error message: non-printable characters are escaped and a
   * long path is cut, so that a hostile path cannot forge log lines or flood them.
   */
  static String quote(String path) {
    StringBuilder out = new StringBuilder(Math.min(path.length(), QUOTE_CHARS_MAX) + 16);
    out.append('"');
    int shown = Math.min(path.length(), QUOTE_CHARS_MAX);
    for (int i = 0; i < shown; i++) {
      char c = path.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20
          || (c >= 0x7f && c < 0xa0)
          || Character.isSurrogate(c)
          || c == '\u2028'
          || c == '\u2029'
          || TextRules.isFormat(c)) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
    if (shown < path.length()) {
      out.append("... (").append(path.length()).append(" chars)");
    }
    return out.toString();
  }

  private static void checkComponent(String path, String component, int position) {
    if (component.isEmpty()) {
      throw bad(path, "component " + position + " is empty");
    }
    if (component.equals(".") || component.equals("..")) {
      throw bad(path, "component " + position + " is \"" + component + "\"");
    }
  }

  /** UTF-8 length of a string already checked for unpaired surrogates. */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static NamespaceException bad(String path, String why) {
    return NamespaceException.invalid(
        ErrorReason.ERROR_REASON_BAD_PATH, "path %s is invalid: %s", quote(path), why);
  }
}
