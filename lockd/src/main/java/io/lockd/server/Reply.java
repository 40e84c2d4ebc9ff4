package io.lockd.server;

/**
 * How the server answers one request: exactly one of the two methods is called, once, on the
 * replica's thread. Implementations must not throw (the gRPC adapter swallows a closed call).
 */
public interface Reply<T> {
  void ok(T value);

  void error(ServerError error);
}
