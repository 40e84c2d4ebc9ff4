package io.lockd.paxos;

import java.util.Arrays;

/**
 * Big-endian bytes for what the core itself encodes (configurations, the snapshot header), without
 * java.nio: the core stays free of I/O packages (ArchitectureTest). A reader that runs out of bytes
 * throws IllegalArgumentException.
 */
final class WireBytes {
  private WireBytes() {}

  static final class Writer {
    private byte[] buf = new byte[64];
    private int len;

    private void room(int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    Writer u8(int v) {
      room(1);
      buf[len++] = (byte) v;
      return this;
    }

    Writer i32(int v) {
      for (int shift = 24; shift >= 0; shift -= 8) {
        u8(v >>> shift);
      }
      return this;
    }

    Writer i64(long v) {
      return i32((int) (v >>> 32)).i32((int) v);
    }

    Writer bytes(byte[] b) {
      room(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
      return this;
    }

    /** A string as its length in chars, then each char in two bytes. */
    Writer string(String s) {
      i32(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        u8(c >>> 8).u8(c);
      }
      return this;
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, len);
    }
  }

  static final class Reader {
    private final byte[] b;
    private int pos;

    Reader(byte[] b, int pos) {
      this.b = b;
      this.pos = pos;
    }

    int position() {
      return pos;
    }

    int remaining() {
      return b.length - pos;
    }

    private void need(int n) {
      if (n < 0 || n > remaining()) {
        throw new IllegalArgumentException("truncated: " + n + " bytes wanted at " + pos);
      }
    }

    int u8() {
      need(1);
      return b[pos++] & 0xFF;
    }

    int i32() {
      need(4);
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (b[pos++] & 0xFF);
      }
      return v;
    }

    long i64() {
      long hi = i32() & 0xFFFFFFFFL;
      return (hi << 32) | (i32() & 0xFFFFFFFFL);
    }

    String string() {
      int n = i32();
      need(n < 0 || n > remaining() / 2 ? -1 : n * 2);
      char[] chars = new char[n];
      for (int i = 0; i < n; i++) {
        chars[i] = (char) ((u8() << 8) | u8());
      }
      return new String(chars);
    }
  }
}
