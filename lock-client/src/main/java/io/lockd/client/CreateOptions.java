package io.lockd.client;

import java.time.Duration;

/**
 * What to create: a file (with initial contents) or a directory, permanent or ephemeral (deleted
 * when the creating session ends), with an optional lock-delay for the node's lock. Immutable; each
 * method returns a new value.
 *
 * <pre>{@code
 * client.create("/services/web/host-1", CreateOptions.file("10.0.0.7:8080".getBytes(UTF_8)).ephemeral());
 * client.create("/locks/payments", CreateOptions.file().lockDelay(Duration.ofSeconds(30)));
 * }</pre>
 */
public final class CreateOptions {
  private final NodeKind kind;
  private final byte[] contents;
  private final boolean ephemeral;
  private final Duration lockDelay;

  private CreateOptions(NodeKind kind, byte[] contents, boolean ephemeral, Duration lockDelay) {
    this.kind = kind;
    this.contents = contents;
    this.ephemeral = ephemeral;
    this.lockDelay = lockDelay;
  }

  /** An empty file. */
  public static CreateOptions file() {
    return file(new byte[0]);
  }

  /** A file with these contents (copied). */
  public static CreateOptions file(byte[] contents) {
    return new CreateOptions(NodeKind.FILE, contents.clone(), false, null);
  }

  /** A directory. */
  public static CreateOptions directory() {
    return new CreateOptions(NodeKind.DIRECTORY, new byte[0], false, null);
  }

  /** The same, but deleted when the creating session ends. */
  public CreateOptions ephemeral() {
    return new CreateOptions(kind, contents, true, lockDelay);
  }

  /**
   * The same, with this lock-delay (at most the cell's cap, 60 s); without it the cell's default
   * applies.
   */
  public CreateOptions lockDelay(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("lock-delay must not be negative");
    }
    return new CreateOptions(kind, contents, ephemeral, delay);
  }

  public NodeKind kind() {
    return kind;
  }

  public boolean isEphemeral() {
    return ephemeral;
  }

  byte[] contents() {
    return contents;
  }

  Duration lockDelayOrNull() {
    return lockDelay;
  }
}
