package io.lockd.server;

import io.lockd.proto.v1.KeepAliveRequest;

/**
 * One client's KeepAlive stream on the server side. The transport calls these on the replica's
 * thread as the stream's requests and state changes arrive; the server answers through the stream's
 * {@link EventSink}.
 */
public final class KeepAliveStream {
  private final EventStreams owner;
  final EventSink sink;

  /** The identity of the stream's caller: only a session's creator may keep it alive. */
  final String caller;

  /** The session this stream serves, fixed by its first request (0 until then). */
  long sessionId;

  /** The newest event index sent on this stream or acknowledged by the client. */
  long lastSentIndex;

  /** The request_id of the newest request received, echoed in every response. */
  long lastRequestId;

  boolean open = true;

  KeepAliveStream(EventStreams owner, String caller, EventSink sink) {
    this.owner = owner;
    this.caller = caller;
    this.sink = sink;
  }

  /** The client sent a KeepAlive. */
  public void onRequest(KeepAliveRequest request) {
    owner.onRequest(this, request);
  }

  /** The transport can take more messages again: send what waited. */
  public void onReady() {
    owner.push(this);
  }

  /** The client went away (cancelled, half-closed, or the connection broke). */
  public void onClosed() {
    owner.forget(this);
  }
}
