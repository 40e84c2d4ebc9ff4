package io.lockd.server.grpc;

import io.grpc.Context;

/**
 * Who is calling, as the edge of the client port established it: the seam between authentication
 * (which sets it, from the caller's TLS certificate) and authorization (which reads it, to check
 * ACLs and admin rights).
 *
 * <p>The identity is a plain string, so that it can be carried in commands through the log and
 * compared the same way on every replica. The empty string is the anonymous caller: one that
 * presented no certificate, or reached a port without TLS.
 */
public final class CallerIdentity {
  /** The anonymous caller. */
  public static final String ANONYMOUS = "";

  /** Set by the client port's authentication interceptor for the duration of a call. */
  public static final Context.Key<String> KEY = Context.keyWithDefault("lockd-caller", ANONYMOUS);

  private CallerIdentity() {}

  /** The identity of the call running on this thread; {@link #ANONYMOUS} outside any call. */
  public static String current() {
    return KEY.get();
  }
}
