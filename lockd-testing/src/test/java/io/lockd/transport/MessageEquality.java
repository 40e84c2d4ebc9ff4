package io.lockd.transport;

import io.lockd.paxos.Message;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;

/**
 * Deep equality for messages. Records compare array components by reference, so two equal {@link
 * Message.SnapshotChunk}s are not {@code equals}; this walks records, lists and byte arrays
 * instead, and so stays right if a later message kind gains an array of its own.
 */
public final class MessageEquality {
  private MessageEquality() {}

  public static boolean same(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null || a.getClass() != b.getClass()) {
      return false;
    }
    if (a instanceof byte[] x) {
      return Arrays.equals(x, (byte[]) b);
    }
    if (a instanceof List<?> x) {
      List<?> y = (List<?>) b;
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!same(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a.getClass().isRecord()) {
      for (RecordComponent c : a.getClass().getRecordComponents()) {
        if (!same(component(c, a), component(c, b))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /** Like {@code toString}, but shows byte arrays by length and content hash, not identity. */
  public static String describe(Message m) {
    if (m instanceof Message.SnapshotChunk s) {
      return String.format(
          "SnapshotChunk[from=%d, to=%d, snapshotIndex=%d, offset=%d, data=%dB#%x, last=%b]",
          s.from(),
          s.to(),
          s.snapshotIndex(),
          s.offset(),
          s.data().length,
          Arrays.hashCode(s.data()),
          s.last());
    }
    return String.valueOf(m);
  }

  private static Object component(RecordComponent c, Object record) {
    try {
      return c.getAccessor().invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new AssertionError("cannot read " + c.getName() + " of " + record.getClass(), e);
    }
  }
}
