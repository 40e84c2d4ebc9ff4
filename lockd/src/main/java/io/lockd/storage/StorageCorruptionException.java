package io.lockd.storage;

/**
 * Stored bytes failed validation: wrong format version, bad length, checksum mismatch, a gap in the
 * log. Never retried or skipped: an acceptor that cannot trust its own record must not take part in
 * votes, so the caller treats this as fatal and an operator decides what to do with the replica.
 * The message names the file, the offset and the reason where there is one.
 */
public final class StorageCorruptionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageCorruptionException(String message) {
    super(message);
  }

  public StorageCorruptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
