package io.lockd.client.sim;

/**
 * One call's connection between a client process and a replica: each direction delivers in order
 * (the later of its previous delivery and now + delay); once broken, nothing more crosses.
 */
final class Wire {
  static final int OPEN = 1;
  static final int HEADERS = 2;
  static final int MESSAGE = 3;
  static final int HALF_CLOSE = 4;
  static final int CLOSE = 5;
  static final int CANCEL = 6;
  static final int RESET = 7;

  final int client;
  final int replica;
  final int methodHash;
  boolean broken;
  long toServerAt;
  long toClientAt;
  SimClientCall<?, ?> clientHalf;
  SimServerCall<?, ?> serverHalf;

  Wire(int client, int replica, String fullMethodName) {
    this.client = client;
    this.replica = replica;
    this.methodHash = fullMethodName.hashCode();
  }
}
