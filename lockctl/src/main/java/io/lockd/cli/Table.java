package io.lockd.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Aligned text columns for lockctl's {@code -o table}: one row per map, columns named by the given
 * keys (headers are the keys in upper case). Nested lists print as comma-separated values. Every
 * value is escaped ({@link Printable}): a name from the cell cannot break a row or reach the
 * terminal as a control sequence.
 */
final class Table {
  private Table() {}

  static void print(PrintWriter out, List<String> columns, List<? extends Map<String, ?>> rows) {
    List<String[]> cells = new ArrayList<>();
    String[] header = new String[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      header[c] = columns.get(c).toUpperCase(java.util.Locale.ROOT);
    }
    cells.add(header);
    for (Map<String, ?> row : rows) {
      String[] line = new String[columns.size()];
      for (int c = 0; c < columns.size(); c++) {
        line[c] = text(row.get(columns.get(c)));
      }
      cells.add(line);
    }
    int[] width = new int[columns.size()];
    for (String[] line : cells) {
      for (int c = 0; c < line.length; c++) {
        width[c] = Math.max(width[c], line[c].length());
      }
    }
    for (String[] line : cells) {
      StringBuilder b = new StringBuilder();
      for (int c = 0; c < line.length; c++) {
        b.append(line[c]);
        if (c < line.length - 1) {
          b.append(" ".repeat(width[c] - line[c].length() + 2));
        }
      }
      out.println(b.toString().stripTrailing());
    }
  }

  /** Key-value lines for a single object. */
  static void printObject(PrintWriter out, Map<String, ?> object) {
    int width = 0;
    for (String k : object.keySet()) {
      width = Math.max(width, k.length());
    }
    for (Map.Entry<String, ?> e : object.entrySet()) {
      out.println(e.getKey() + " ".repeat(width - e.getKey().length() + 2) + text(e.getValue()));
    }
  }

  static String text(Object v) {
    if (v == null) {
      return "-";
    }
    if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        return "-";
      }
      List<String> parts = new ArrayList<>();
      for (Object o : l) {
        parts.add(text(o));
      }
      return String.join(",", parts);
    }
    return Printable.escape(v.toString());
  }
}
