package io.lockd.transport;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The rule that binds a replica's certificate to the replica: it carries the subject alternative
 * name URI {@code lockd://<cell>/replica/<id>} (docs/security.md, "Identities"). A peer whose
 * certificate does not name the cell and the id it claims in the handshake headers is refused, and
 * a replica dialling a peer refuses a certificate that does not name the peer it meant to reach.
 */
public final class ReplicaNames {
  /** The URI scheme of replica names. */
  public static final String SCHEME = "lockd://";

  /** The subjectAltName type of a URI (RFC 5280, GeneralName uniformResourceIdentifier). */
  private static final int SAN_URI = 6;

  private ReplicaNames() {}

  /** The name replica {@code id} of {@code cell} carries in its certificate. */
  public static String uri(String cell, int id) {
    return SCHEME + cell + "/replica/" + id;
  }

  /** Every {@code lockd://} URI among {@code cert}'s subject alternative names, in order. */
  public static List<String> lockdUris(X509Certificate cert) {
    List<String> out = new ArrayList<>(1);
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return out;
    }
    if (names == null) {
      return out;
    }
    for (List<?> name : names) {
      if (name.size() >= 2
          && Integer.valueOf(SAN_URI).equals(name.get(0))
          && name.get(1) instanceof String uri
          && uri.startsWith(SCHEME)) {
        out.add(uri);
      }
    }
    return out;
  }

  /**
   * Null if {@code cert} names replica {@code id} of {@code cell}; otherwise what it names instead,
   * in words for a log line or a status.
   */
  public static String mismatch(X509Certificate cert, String cell, int id) {
    String expected = uri(cell, id);
    List<String> uris = lockdUris(cert);
    if (uris.contains(expected)) {
      return null;
    }
    if (uris.isEmpty()) {
      return "its certificate ("
          + cert.getSubjectX500Principal().getName()
          + ") names no replica (no subject alternative name URI "
          + expected
          + ")";
    }
    return "its certificate names " + String.join(", ", uris) + ", not " + expected;
  }
}
