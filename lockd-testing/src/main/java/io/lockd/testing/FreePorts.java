package io.lockd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Loopback ports for tests that must know every replica's address before any of them starts. All
 * sockets are held open together while they are picked, so the ports are distinct (asking for one
 * free port at a time may return the same one twice). Another process may still take a port before
 * the caller binds it; callers that can, retry with fresh ports.
 */
public final class FreePorts {
  private FreePorts() {}

  /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
  public static List<Integer> distinct(int count) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket we never used: nothing to do
        }
      }
    }
  }
}
