package io.lockd.transport;

/**
 * A peer message that breaks the wire contract: an envelope without a body, a negative slot, an
 * entry without a value, an unknown enum value. Thrown by {@link PeerMessageCodec} in both
 * directions, so that a bad message is caught at the boundary where it was made or received rather
 * than deep inside the consensus core.
 */
public final class MalformedMessageException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedMessageException(String message) {
    super(message);
  }
}
