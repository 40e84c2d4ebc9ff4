package io.lockd.storage;

/**
 * Stored bytes failed validation: wrong format version, bad length, checksum mismatch. Never
 * retried or skipped: an acceptor that cannot trust its own record must not take part in votes,
 * so the caller treats this as fatal and an operator decides what to do with the replica.
 */
public final class StorageCorruptionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageCorruptionException(String message) {
    super(message);
  }
}
