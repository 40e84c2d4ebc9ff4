package io.lockd.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * lockctl's {@code -o json}, written by Gson: maps (insertion order kept), lists, strings, numbers,
 * booleans and null, pretty-printed with two-space indents or on one line (JSON Lines); any other
 * value as its text.
 *
 * <p>Strings keep their exact value for a JSON reader, but every character that does not print as
 * itself ({@link Printable#unsafe}: controls, bidirectional and other format characters...) is
 * written as a JSON escape, so that the output is safe on a terminal too. Gson escapes only
 * controls, quotes and backslashes; the rest is escaped afterwards, which is sound because outside
 * strings Gson writes nothing but ASCII punctuation, digits and literals.
 */
final class Json {
  private static final Gson PRETTY = builder().setPrettyPrinting().create();
  private static final Gson LINE = builder().create();

  private Json() {}

  private static GsonBuilder builder() {
    return new GsonBuilder()
        .serializeNulls()
        .disableHtmlEscaping()
        .serializeSpecialFloatingPointValues();
  }

  static String write(Object value) {
    return escapeUnsafe(PRETTY.toJson(tree(value)));
  }

  /** One line, for streams of events (JSON Lines). */
  static String writeLine(Object value) {
    return escapeUnsafe(LINE.toJson(tree(value)));
  }

  private static JsonElement tree(Object v) {
    if (v == null) {
      return JsonNull.INSTANCE;
    } else if (v instanceof String s) {
      return new JsonPrimitive(s);
    } else if (v instanceof Number n) {
      return new JsonPrimitive(n);
    } else if (v instanceof Boolean b) {
      return new JsonPrimitive(b);
    } else if (v instanceof Map<?, ?> m) {
      JsonObject o = new JsonObject();
      m.forEach((k, x) -> o.add(String.valueOf(k), tree(x)));
      return o;
    } else if (v instanceof List<?> l) {
      JsonArray a = new JsonArray();
      l.forEach(x -> a.add(tree(x)));
      return a;
    }
    return new JsonPrimitive(v.toString());
  }

  private static String escapeUnsafe(String json) {
    StringBuilder b = new StringBuilder(json.length());
    for (int i = 0; i < json.length(); ) {
      int c = json.codePointAt(i);
      i += Character.charCount(c);
      if (c >= 0x20 && Printable.unsafe(c)) {
        for (char unit : Character.toChars(c)) {
          b.append(String.format(Locale.ROOT, "\\u%04x", (int) unit));
        }
      } else {
        b.appendCodePoint(c);
      }
    }
    return b.toString();
  }
}
