package io.lockd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exact text of lockctl's JSON (scripts and docs/lockctl.md rely on its layout): two-space
 * pretty printing or one line, keys in insertion order, nulls kept, other values as text, and every
 * character that does not print as itself escaped.
 */
class JsonTest {
  private static Map<String, Object> sample() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("id", 3L);
    inner.put("reason", null);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", "/a");
    m.put("leader", true);
    m.put("lag", 0);
    m.put("ratio", 1.5);
    m.put("timeout", Duration.ofSeconds(2));
    m.put("peers", List.of(inner));
    m.put("empty", new ArrayList<>());
    m.put("none", new LinkedHashMap<>());
    return m;
  }

  @Test
  void prettyPrintsWithTwoSpaceIndents() {
    assertEquals(
        """
        {
          "path": "/a",
          "leader": true,
          "lag": 0,
          "ratio": 1.5,
          "timeout": "PT2S",
          "peers": [
            {
              "id": 3,
              "reason": null
            }
          ],
          "empty": [],
          "none": {}
        }""",
        Json.write(sample()));
  }

  @Test
  void writesOneLineForJsonLines() {
    assertEquals(
        "{\"path\":\"/a\",\"leader\":true,\"lag\":0,\"ratio\":1.5,\"timeout\":\"PT2S\","
            + "\"peers\":[{\"id\":3,\"reason\":null}],\"empty\":[],\"none\":{}}",
        Json.writeLine(sample()));
  }

  @Test
  void escapesWhatDoesNotPrintAsItself() {
    String hostile =
        "q\"b\\ n\n esc\u001b del\u007f csi\u009b rlo\u202e zw\u200b ls\u2028 ok\u00e9\u4e2d";
    assertEquals(
        "\"q\\\"b\\\\ n\\n esc\\u001b del\\u007f csi\\u009b rlo\\u202e zw\\u200b ls\\u2028 "
            + "ok\u00e9\u4e2d\"",
        Json.writeLine(hostile));
  }
}
