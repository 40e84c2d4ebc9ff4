package io.lockd.client;

import io.grpc.Status;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Tells a failed TLS handshake from other transport failures and says in words what went wrong, so
 * that a user sees "the replica's certificate is not trusted" rather than gRPC's bare UNAVAILABLE
 * "io exception". The TLS stacks (the JDK's and BoringSSL) report these only as exception texts, so
 * the texts are what is matched; an unknown TLS failure is still called one, with its own text.
 */
final class TlsDiagnosis {
  private TlsDiagnosis() {}

  /** What went wrong in the TLS handshake this status ended, or null if it was not TLS. */
  static String explain(Status status) {
    StringBuilder texts = new StringBuilder();
    boolean tls = false;
    for (Throwable t = status.getCause(); t != null && texts.length() < 4096; t = t.getCause()) {
      tls |= t instanceof SSLException || t instanceof java.security.cert.CertificateException;
      texts.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
      if (t.getCause() == t) {
        break;
      }
    }
    String description = status.getDescription() == null ? "" : status.getDescription();
    tls |= description.startsWith("ssl exception");
    if (!tls) {
      return null;
    }
    String all = texts.toString();
    String lower = all.toLowerCase(Locale.ROOT);
    String raw = firstLine(all);
    if (lower.contains("certificate_required")) {
      return "the replica requires a client certificate signed by the cell's CA, and none was"
          + " presented (a certificate from another CA, or a self-signed one, is not presented"
          + " at all): give a certificate and key issued by the cell's CA";
    }
    if (lower.contains("alert_certificate_expired")) {
      return "the replica refused the client certificate: it has expired (" + raw + ")";
    }
    if (lower.contains("alert_bad_certificate")
        || lower.contains("alert_unknown_ca")
        || lower.contains("alert_certificate_unknown")
        || lower.contains("alert_handshake_failure")) {
      return "the replica refused the client certificate: it is not signed by the cell's CA or is"
          + " otherwise not valid ("
          + raw
          + ")";
    }
    if (lower.contains("no subject alternative")
        || lower.contains("no name matching")
        || lower.contains("subject alternative names")) {
      return "host name mismatch: the replica's certificate does not name the host that was"
          + " dialled ("
          + raw
          + ")";
    }
    if (lower.contains("certificateexpiredexception") || lower.contains("notafter")) {
      return "the replica's certificate has expired (" + raw + ")";
    }
    if (lower.contains("pkix")
        || lower.contains("certpath")
        || lower.contains("certification path")) {
      return "the replica's certificate is not trusted: it does not chain to the CA given to the"
          + " client (wrong CA file, or a self-signed or foreign server certificate) ("
          + raw
          + ")";
    }
    if (lower.contains("not an ssl/tls record") || lower.contains("wrong_version_number")) {
      return "the endpoint does not speak TLS (is it a plaintext port?)";
    }
    return "TLS handshake failed (" + raw + ")";
  }

  private static String firstLine(String texts) {
    // The innermost cause usually says most; it is the last line.
    String[] lines = texts.strip().split("\n");
    return lines.length == 0 ? "" : lines[lines.length - 1];
  }
}
