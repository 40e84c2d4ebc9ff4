package io.lockd.client;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Base64;

/**
 * A fencing token: proof that a session was granted a lock, as (path, mode, lock generation, node
 * instance, session). Lock generations grow cell-wide with every grant, so a newer grant always has
 * a larger generation. A holder passes its sequencer with every request to a resource server, which
 * checks it with {@link LockClient#checkSequencer} or a {@link FencingGuard} before acting, and so
 * refuses a holder that lost the lock without noticing (a paused process, a partition).
 *
 * <p>{@link #encode} gives a compact, URL-safe text form for passing it through headers or
 * environment variables (lockctl puts it in {@code LOCKD_SEQUENCER}); {@link #parse} reads it back.
 *
 * <pre>{@code
 * try (DistributedLock lock = client.lock("/jobs/compaction")) {
 *   lock.acquire();
 *   Sequencer seq = lock.sequencer();
 *   storage.write(data, seq.encode()); // the storage server checks it
 * }
 * }</pre>
 *
 * @param path the locked node
 * @param mode the granted mode
 * @param lockGeneration the generation of this grant
 * @param instance the node's instance at grant time
 * @param sessionId the holder's session
 */
public record Sequencer(
    String path, LockMode mode, long lockGeneration, long instance, long sessionId) {
  private static final String PREFIX = "lockd1.";

  public Sequencer {
    if (path == null || mode == null) {
      throw new IllegalArgumentException("a sequencer needs a path and a mode");
    }
  }

  /** The text form: {@code lockd1.} followed by the URL-safe base64 of the wire message. */
  public String encode() {
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(toProto().toByteArray());
  }

  /**
   * Reads a sequencer from its text form.
   *
   * @throws IllegalArgumentException if {@code text} is not an encoded sequencer
   */
  public static Sequencer parse(String text) {
    if (text == null || !text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a lockd sequencer (expected '" + PREFIX + "...')");
    }
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(text.substring(PREFIX.length()));
      io.lockd.proto.v1.Sequencer p = io.lockd.proto.v1.Sequencer.parseFrom(bytes);
      LockMode mode = LockMode.fromProto(p.getMode());
      if (mode == null || p.getPath().isEmpty()) {
        throw new IllegalArgumentException("not a lockd sequencer: no path or mode");
      }
      return fromProto(p);
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a lockd sequencer: " + e.getMessage(), e);
    }
  }

  io.lockd.proto.v1.Sequencer toProto() {
    return io.lockd.proto.v1.Sequencer.newBuilder()
        .setPath(path)
        .setMode(mode.toProto())
        .setLockGeneration(lockGeneration)
        .setInstance(instance)
        .setSessionId(sessionId)
        .build();
  }

  static Sequencer fromProto(io.lockd.proto.v1.Sequencer p) {
    return new Sequencer(
        p.getPath(),
        LockMode.fromProto(p.getMode()),
        p.getLockGeneration(),
        p.getInstance(),
        p.getSessionId());
  }

  @Override
  public String toString() {
    return path
        + " "
        + mode
        + " gen="
        + lockGeneration
        + " instance="
        + instance
        + " session="
        + sessionId;
  }
}
