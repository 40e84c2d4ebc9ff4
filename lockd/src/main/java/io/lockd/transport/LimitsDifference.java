package io.lockd.transport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names the limits two replicas disagree on, from the {@code name=value,...} texts they exchange in
 * the handshake, so that an operator reads which option to fix rather than two long lists. The
 * peer's text is untrusted: the answer is bounded in length whatever it holds.
 */
final class LimitsDifference {
  private static final int SHOWN_MAX = 8;
  private static final int VALUE_CHARS_MAX = 24;

  private LimitsDifference() {}

  /** For example {@code pathBytesMax=64 there, 1024 here}. */
  static String describe(String theirs, String ours) {
    Map<String, String> there = parse(theirs);
    Map<String, String> here = parse(ours);
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, String> e : here.entrySet()) {
      String other = there.getOrDefault(e.getKey(), "unset");
      if (!other.equals(e.getValue())) {
        differences.add(cut(e.getKey()) + "=" + cut(other) + " there, " + e.getValue() + " here");
      }
    }
    for (String name : there.keySet()) {
      if (!here.containsKey(name)) {
        differences.add(cut(name) + " unknown here");
      }
    }
    if (differences.isEmpty()) {
      return "the same values, written differently";
    }
    int shown = Math.min(differences.size(), SHOWN_MAX);
    String out = String.join(", ", differences.subList(0, shown));
    return shown < differences.size()
        ? out + " and " + (differences.size() - shown) + " more"
        : out;
  }

  private static Map<String, String> parse(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : text.split(",", -1)) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.putIfAbsent(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return out;
  }

  private static String cut(String s) {
    return s.length() <= VALUE_CHARS_MAX ? s : s.substring(0, VALUE_CHARS_MAX) + "...";
  }
}
