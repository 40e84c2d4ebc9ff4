package io.lockd.transport;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The headers that open every peer stream, and the receiver's check of them (see peer.proto). A
 * replica misconfigured to dial into another cell, an address map that points at the wrong replica,
 * or a replica started with other settings than the cell must share (lease, clock drift bound,
 * namespace limits), is refused before a single message crosses, with a status that names the
 * mistake; so is a second connection that claims the id of a replica whose stream is alive ({@link
 * InboundPeers}).
 *
 * <p>With TLS on the peer port, the TLS handshake has already refused a certificate that does not
 * chain to the cell's CA; this check then requires the certificate to name the cell and the sender
 * id the headers claim ({@link ReplicaNames}), so that no holder of a certificate from the CA can
 * speak for another replica or another cell.
 */
final class PeerHandshake implements ServerInterceptor {
  static final String PROTOCOL_VERSION = "1";
  static final Metadata.Key<String> PROTOCOL =
      Metadata.Key.of("lockd-peer-protocol", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> CELL =
      Metadata.Key.of("lockd-cell", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> SENDER_ID =
      Metadata.Key.of("lockd-sender-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> RECEIVER_ID =
      Metadata.Key.of("lockd-receiver-id", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The settings the sender shares with its cell as {@code key=value,...}; absent from builds that
   * compare none. (Named for what it first carried, the namespace limits.)
   */
  static final Metadata.Key<String> CELL_SETTINGS =
      Metadata.Key.of("lockd-cell-limits", Metadata.ASCII_STRING_MARSHALLER);

  /** The sender id the handshake established, for the stream handler to check envelopes against. */
  static final Context.Key<Integer> SENDER = Context.key("lockd-peer-sender");

  private static final Logger log = LoggerFactory.getLogger(PeerHandshake.class);
  private static final Pattern CELL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final String cell;
  private final String cellSettings;
  private final int selfId;
  private final Set<Integer> members;
  private final Set<Integer> retired;
  private final InboundPeers connected;
  private final boolean certificates;
  private final LogLimiter certificateRefusals = new LogLimiter(10_000);
  // Only the latest refusal is remembered: a misconfigured peer redials every few hundred
  // milliseconds, and one log line per distinct mistake is enough.
  private volatile String lastRefusal = "";

  /**
   * @param cellSettings the settings this replica shares with its cell as text; "" compares none
   */
  PeerHandshake(
      String cell, String cellSettings, int selfId, Set<Integer> members, InboundPeers connected) {
    this(cell, cellSettings, selfId, members, connected, false);
  }

  /**
   * @param certificates whether the peer port runs TLS: then every sender's certificate must name
   *     the replica the headers claim
   */
  PeerHandshake(
      String cell,
      String cellSettings,
      int selfId,
      Set<Integer> members,
      InboundPeers connected,
      boolean certificates) {
    this(cell, cellSettings, selfId, members, Set.of(), connected, certificates);
  }

  /**
   * @param members the ids this replica links with: a live view, a membership change adds and
   *     removes peers
   * @param retired the ids removed from the cell (a live view): refused for good, with that reason
   */
  PeerHandshake(
      String cell,
      String cellSettings,
      int selfId,
      Set<Integer> members,
      Set<Integer> retired,
      InboundPeers connected,
      boolean certificates) {
    this.certificates = certificates;
    this.retired = retired;
    this.cell = checkCellName(cell);
    this.cellSettings = cellSettings;
    this.selfId = selfId;
    this.members = members; // a live view: a membership change adds peers
    this.connected = connected;
  }

  static String checkCellName(String cell) {
    if (cell == null || !CELL_NAME.matcher(cell).matches()) {
      throw new IllegalArgumentException(
          "cell name must be 1-64 characters of [A-Za-z0-9._-], was '" + cell + "'");
    }
    return cell;
  }

  /** The headers a replica sends when it opens its stream to {@code receiverId}. */
  static Metadata clientHeaders(String cell, int senderId, int receiverId) {
    return clientHeaders(cell, "", senderId, receiverId);
  }

  /** The same, announcing the settings the sender shares with its cell unless they are "". */
  static Metadata clientHeaders(String cell, String cellSettings, int senderId, int receiverId) {
    Metadata headers = new Metadata();
    if (!cellSettings.isEmpty()) {
      headers.put(CELL_SETTINGS, cellSettings);
    }
    headers.put(PROTOCOL, PROTOCOL_VERSION);
    headers.put(CELL, cell);
    headers.put(SENDER_ID, Integer.toString(senderId));
    headers.put(RECEIVER_ID, Integer.toString(receiverId));
    return headers;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    // The certificate first: an impostor must hear that its certificate does not fit, not that
    // the replica it claims to be is connected already.
    if (certificates) {
      Status named =
          checkCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), headers);
      if (!named.isOk()) {
        logCertificateRefusal(named);
        call.close(named, new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    Status refusal = check(headers);
    if (!refusal.isOk()) {
      logOnce(refusal);
      call.close(refusal, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current().withValue(SENDER, parseId(headers.get(SENDER_ID)));
    return Contexts.interceptCall(context, call, headers, next);
  }

  /** OK if a stream opened with {@code headers} may deliver to this replica; else why not. */
  Status check(Metadata headers) {
    String protocol = headers.get(PROTOCOL);
    String peerCell = headers.get(CELL);
    Integer sender = parseId(headers.get(SENDER_ID));
    Integer receiver = parseId(headers.get(RECEIVER_ID));
    if (protocol == null || peerCell == null || sender == null || receiver == null) {
      return Status.INVALID_ARGUMENT.withDescription(
          "peer stream needs headers lockd-peer-protocol, lockd-cell and numeric lockd-sender-id"
              + " and lockd-receiver-id");
    }
    if (!PROTOCOL_VERSION.equals(protocol)) {
      return refuse(
          "peer protocol version '%s' not supported; replica %d speaks version %s",
          protocol, selfId, PROTOCOL_VERSION);
    }
    if (!cell.equals(peerCell)) {
      return refuse(
          "stream from replica %d of cell '%s' refused: replica %d belongs to cell '%s'",
          sender, peerCell, selfId, cell);
    }
    if (receiver != selfId) {
      return refuse(
          "stream meant for replica %d reached replica %d: the sender's peer address map is wrong",
          receiver, selfId);
    }
    if (retired.contains(sender)) {
      return refuse(
          "replica %d was removed from cell '%s' and ids are never reused: replica %d refuses it"
              + " for good (start the new replica under a new id, added with lockctl member add)",
          sender, cell, selfId);
    }
    if (sender == selfId || !members.contains(sender)) {
      return refuse(
          "replica %d is not a member of cell '%s' as replica %d knows it (members: %s): add it"
              + " first (lockctl member add), or, if it was added, replica %d has not learned it"
              + " yet",
          sender, cell, selfId, new TreeSet<>(members), selfId);
    }
    // Absent from builds before the check: accepted, so that a cell can be upgraded in place.
    String peerSettings = headers.get(CELL_SETTINGS);
    if (peerSettings != null && !cellSettings.isEmpty() && !peerSettings.equals(cellSettings)) {
      return refuse(
          "replica %d runs with other settings than replica %d of cell '%s' (%s); every member "
              + "must use the same lease, clock drift bound and namespace limits, or leases could "
              + "overlap and states diverge",
          sender,
          selfId,
          cell,
          SettingsDifference.describe(cellSettings, selfId, peerSettings, sender));
    }
    return connected.check(sender);
  }

  /**
   * OK if the verified certificate of the connection names the cell and sender id of {@code
   * headers} (or the headers are malformed, which {@link #check} refuses); else UNAUTHENTICATED
   * naming the mismatch.
   */
  Status checkCertificate(SSLSession session, Metadata headers) {
    Integer sender = parseId(headers.get(SENDER_ID));
    if (sender == null || headers.get(CELL) == null) {
      return Status.OK; // malformed headers: check() says what is missing
    }
    String claimed = "replica " + sender + " of cell '" + headers.get(CELL) + "'";
    X509Certificate cert = null;
    try {
      Certificate[] chain = session == null ? null : session.getPeerCertificates();
      if (chain != null && chain.length > 0 && chain[0] instanceof X509Certificate x) {
        cert = x;
      }
    } catch (SSLPeerUnverifiedException e) {
      cert = null;
    }
    if (cert == null) {
      return Status.UNAUTHENTICATED.withDescription(
          "stream claiming to be "
              + claimed
              + " refused by replica "
              + selfId
              + ": the connection presented no verified certificate");
    }
    String mismatch = ReplicaNames.mismatch(cert, cell, sender);
    if (mismatch != null) {
      return Status.UNAUTHENTICATED.withDescription(
          "stream claiming to be " + claimed + " refused by replica " + selfId + ": " + mismatch);
    }
    return Status.OK;
  }

  private void logCertificateRefusal(Status refusal) {
    long heldBack = certificateRefusals.allow(refusal.getDescription());
    if (heldBack >= 0) {
      log.warn(
          "replica {} refused a peer stream: {}: {}{}",
          selfId,
          refusal.getCode(),
          refusal.getDescription(),
          heldBack > 0 ? " (and " + heldBack + " more such refusals since the last line)" : "");
    }
  }

  private static Status refuse(String format, Object... args) {
    return Status.FAILED_PRECONDITION.withDescription(String.format(format, args));
  }

  private static Integer parseId(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private void logOnce(Status refusal) {
    String text = refusal.getCode() + ": " + refusal.getDescription();
    if (!text.equals(lastRefusal)) {
      lastRefusal = text;
      log.warn("replica {} refused a peer stream: {}", selfId, text);
    }
  }
}
