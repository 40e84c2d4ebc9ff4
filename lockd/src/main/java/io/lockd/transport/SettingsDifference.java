package io.lockd.transport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names the settings two replicas disagree on, from the {@code key=value,...} texts they exchange
 * in the handshake, so that an operator reads which option to fix, with both values, rather than
 * two long lists. The peer's text is untrusted: the answer is bounded in length whatever it holds.
 */
final class SettingsDifference {
  private static final int SHOWN_MAX = 8;
  private static final int VALUE_CHARS_MAX = 24;

  private SettingsDifference() {}

  /** For example {@code lease-ms: 300 at replica 1, 500 at replica 2}. */
  static String describe(String ours, int ourId, String theirs, int theirId) {
    Map<String, String> here = parse(ours);
    Map<String, String> there = parse(theirs);
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, String> e : here.entrySet()) {
      String other = there.getOrDefault(e.getKey(), "unset");
      if (!other.equals(e.getValue())) {
        differences.add(difference(e.getKey(), e.getValue(), ourId, other, theirId));
      }
    }
    for (Map.Entry<String, String> e : there.entrySet()) {
      if (!here.containsKey(e.getKey())) {
        differences.add(difference(e.getKey(), "unknown", ourId, e.getValue(), theirId));
      }
    }
    if (differences.isEmpty()) {
      return "the same values, written differently";
    }
    int shown = Math.min(differences.size(), SHOWN_MAX);
    String out = String.join("; ", differences.subList(0, shown));
    return shown < differences.size()
        ? out + "; and " + (differences.size() - shown) + " more"
        : out;
  }

  private static String difference(String key, String ours, int ourId, String theirs, int theirId) {
    return cut(key)
        + ": "
        + cut(ours)
        + " at replica "
        + ourId
        + ", "
        + cut(theirs)
        + " at replica "
        + theirId;
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
