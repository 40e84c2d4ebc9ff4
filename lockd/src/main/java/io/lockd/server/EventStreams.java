package io.lockd.server;

import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceException;
import io.lockd.proto.v1.Event;
import io.lockd.proto.v1.EventType;
import io.lockd.proto.v1.KeepAliveRequest;
import io.lockd.proto.v1.KeepAliveResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The open KeepAlive streams of the serving leader, by session, and the rules for what they carry:
 *
 * <ul>
 *   <li>A stream serves one session, named by its first request. Each request extends the lease
 *       (off the log) and is answered at once with the lease left and the session's events after
 *       the newest index sent on this stream or acknowledged by the client.
 *   <li>After commands are applied, every stream whose session has newer events gets them pushed,
 *       unless the transport is full (then they wait for it to drain).
 *   <li>A new stream starts from the client's {@code last_seen_event_index}, so a client that
 *       resumes at any leader gets every later event once: the events live in the replicated
 *       namespace, not here. A RESYNC comes from the namespace when its bounded history no longer
 *       reaches back that far.
 *   <li>The first answer a session gets from a new leader starts with LEADER_CHANGED (not replayed,
 *       index = the client's last seen index, so it never advances the client's cursor).
 *   <li>When the session has ended the stream gets a SESSION_EXPIRED and completes; when this
 *       replica stops leading, every stream ends UNAVAILABLE with the leader hint.
 * </ul>
 */
final class EventStreams {
  private final ServedReplica replica;
  private final Namespace namespace;
  private final LeaderDuties duties;
  private final ServerConfig config;
  private final CacheCoherence cache;
  private final Map<Long, List<KeepAliveStream>> bySession = new LinkedHashMap<>();
  private int count;

  EventStreams(
      ServedReplica replica,
      Namespace namespace,
      LeaderDuties duties,
      ServerConfig config,
      CacheCoherence cache) {
    this.cache = cache;
    this.replica = replica;
    this.namespace = namespace;
    this.duties = duties;
    this.config = config;
  }

  KeepAliveStream open(String caller, EventSink sink) {
    return new KeepAliveStream(this, caller, sink);
  }

  int count() {
    return count;
  }

  void onRequest(KeepAliveStream stream, KeepAliveRequest request) {
    if (!stream.open) {
      return;
    }
    if (!duties.serving()) {
      end(stream, ServerError.notLeader(replica.selfId(), replica.leaderHint()));
      return;
    }
    long sessionId = request.getSessionId();
    if (sessionId == 0) {
      end(stream, ServerError.badArgument("KeepAliveRequest.session_id is required"));
      return;
    }
    if (stream.sessionId == 0) {
      ServerError stolen = notCreator(stream.caller, sessionId);
      if (stolen != null) {
        end(stream, stolen);
        return;
      }
      if (!register(stream, sessionId)) {
        return;
      }
      stream.lastSentIndex = request.getLastSeenEventIndex();
    } else if (stream.sessionId != sessionId) {
      end(
          stream,
          ServerError.badArgument(
              "a KeepAlive stream serves one session: this one serves session %d, the request names %d",
              stream.sessionId, sessionId));
      return;
    }
    stream.lastSentIndex = Math.max(stream.lastSentIndex, request.getLastSeenEventIndex());
    stream.lastRequestId = request.getRequestId();
    long leaseLeft;
    List<Event> events;
    cache.onKeepAlive(sessionId, request.getCacheEpoch(), request.getAckedInvalidationSeq());
    try {
      leaseLeft = duties.keepAlive(sessionId, request.getLastSeenEventIndex());
      events = namespace.eventsSince(sessionId, stream.lastSentIndex);
    } catch (NamespaceException gone) {
      expired(stream);
      return;
    }
    send(stream, leaseLeft, events, duties.firstContactSinceLeaderChange(sessionId));
  }

  /**
   * PERMISSION_DENIED if {@code caller} did not create the session: its events and its lease are
   * its creator's. Null if it did, or if the session is gone (answered as an expiry below).
   */
  private ServerError notCreator(String caller, long sessionId) {
    String creator;
    try {
      creator = namespace.creatorOf(sessionId);
    } catch (NamespaceException gone) {
      return null;
    }
    if (creator.equals(caller)) {
      return null;
    }
    return ServerError.permissionDenied(
        Namespace.describeIdentity(caller)
            + " may not keep session "
            + sessionId
            + " alive: it belongs to "
            + Namespace.describeIdentity(creator));
  }

  /** Sends a stream the events it has not had yet, if there are any and the transport has room. */
  void push(KeepAliveStream stream) {
    if (stream.open && stream.sink.closed()) {
      forget(stream);
    }
    if (!stream.open || stream.sessionId == 0 || !stream.sink.ready()) {
      return;
    }
    List<Event> events;
    try {
      events = namespace.eventsSince(stream.sessionId, stream.lastSentIndex);
    } catch (NamespaceException gone) {
      expired(stream);
      return;
    }
    if (!events.isEmpty() || cache.hasUnsent(stream.sessionId)) {
      send(stream, duties.remainingMillis(stream.sessionId), events, false);
    }
  }

  /**
   * After commands were applied: push new events, end the streams of ended sessions. Visits only
   * the streams of sessions the namespace reports news for (and of caching sessions with unsent
   * invalidations), so a batch costs what it touched, not one lookup per open stream.
   */
  void pushAll() {
    TreeSet<Long> touched = new TreeSet<>();
    boolean known = namespace.drainSessionNews(touched::add);
    if (count == 0 || !duties.observe()) {
      return;
    }
    if (!known) {
      for (KeepAliveStream stream : all()) {
        push(stream);
      }
      return;
    }
    cache.sessionsWithUnsent(touched::add);
    for (long sessionId : touched) {
      List<KeepAliveStream> streams = bySession.get(sessionId);
      if (streams != null) {
        for (KeepAliveStream stream : List.copyOf(streams)) {
          push(stream);
        }
      }
    }
  }

  /** Ends every stream: this replica no longer leads. */
  void closeAll() {
    ServerError error = ServerError.notLeader(replica.selfId(), replica.leaderHint());
    for (KeepAliveStream stream : all()) {
      end(stream, error);
    }
  }

  void forget(KeepAliveStream stream) {
    stream.open = false;
    unregister(stream);
  }

  private void send(
      KeepAliveStream stream, long leaseLeft, List<Event> events, boolean leaderChanged) {
    KeepAliveResponse.Builder response =
        KeepAliveResponse.newBuilder()
            .setSessionId(stream.sessionId)
            .setLeaseMillis(duties.leaseMillis(stream.sessionId))
            .setLeaseRemainingMillis(leaseLeft)
            .setIndex(namespace.appliedIndex())
            .setRequestId(stream.lastRequestId)
            .setCacheEpoch(cache.epoch())
            .addAllInvalidations(cache.toSend(stream.sessionId));
    if (leaderChanged) {
      response.addEvents(
          Event.newBuilder()
              .setType(EventType.EVENT_TYPE_LEADER_CHANGED)
              .setIndex(stream.lastSentIndex));
    }
    for (Event e : events) {
      response.addEvents(e);
      stream.lastSentIndex = Math.max(stream.lastSentIndex, e.getIndex());
    }
    stream.sink.send(response.build());
  }

  private void expired(KeepAliveStream stream) {
    long index = namespace.appliedIndex();
    stream.sink.send(
        KeepAliveResponse.newBuilder()
            .setSessionId(stream.sessionId)
            .setIndex(index)
            .addEvents(
                Event.newBuilder().setType(EventType.EVENT_TYPE_SESSION_EXPIRED).setIndex(index))
            .build());
    end(stream, null);
  }

  private void end(KeepAliveStream stream, ServerError error) {
    if (!stream.open) {
      return;
    }
    forget(stream);
    stream.sink.close(error);
  }

  private boolean register(KeepAliveStream stream, long sessionId) {
    if (count >= config.maxStreams()) {
      end(
          stream,
          ServerError.of(
              ServerError.RESOURCE_EXHAUSTED,
              io.lockd.proto.v1.ErrorReason.ERROR_REASON_LIMIT_REACHED,
              "replica %d has too many KeepAlive streams: limit maxStreams=%d reached",
              replica.selfId(),
              config.maxStreams()));
      return false;
    }
    List<KeepAliveStream> streams = bySession.computeIfAbsent(sessionId, id -> new ArrayList<>(1));
    if (streams.size() >= config.maxStreamsPerSession()) {
      end(
          streams.get(0),
          ServerError.unavailable(
              "superseded by a newer KeepAlive stream of session " + sessionId,
              ServerError.NO_HINT));
      streams = bySession.computeIfAbsent(sessionId, id -> new ArrayList<>(1));
    }
    stream.sessionId = sessionId;
    streams.add(stream);
    count++;
    return true;
  }

  private void unregister(KeepAliveStream stream) {
    List<KeepAliveStream> streams = bySession.get(stream.sessionId);
    if (streams != null && streams.remove(stream)) {
      count--;
      if (streams.isEmpty()) {
        bySession.remove(stream.sessionId);
      }
    }
  }

  private List<KeepAliveStream> all() {
    List<KeepAliveStream> out = new ArrayList<>(count);
    bySession.values().forEach(out::addAll);
    return out;
  }
}
