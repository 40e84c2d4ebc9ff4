package io.lockd.client;

import io.grpc.Status;

/**
 * The client's first look at a path: catches the mistakes worth a clear message before a round trip
 * (missing leading slash, empty or dot components). The cell validates fully (length, depth,
 * characters).
 */
final class Paths {
  private Paths() {}

  static String check(String path) {
    if (path == null || path.isEmpty()) {
      throw bad(path, "a path is required");
    }
    if (!path.startsWith("/")) {
      throw bad(path, "paths are absolute: they start with '/'");
    }
    if (path.length() > 1) {
      if (path.endsWith("/")) {
        throw bad(path, "a path must not end with '/'");
      }
      for (String part : path.substring(1).split("/", -1)) {
        if (part.isEmpty() || part.equals(".") || part.equals("..")) {
          throw bad(path, "path components must not be empty, '.' or '..'");
        }
      }
    }
    return path;
  }

  /** The parent of a path ("/" for top-level nodes). */
  static String parent(String path) {
    int i = path.lastIndexOf('/');
    return i <= 0 ? "/" : path.substring(0, i);
  }

  private static LockdException bad(String path, String why) {
    return new LockdException(
        Status.Code.INVALID_ARGUMENT,
        LockdException.Reason.BAD_PATH,
        "bad path '" + path + "': " + why);
  }
}
