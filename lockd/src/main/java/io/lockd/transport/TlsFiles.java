package io.lockd.transport;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a replica's TLS material lives (PEM files) and how it is used: one certificate and key for
 * both ports (it names the replica, see {@link ReplicaNames}), one CA bundle that every peer's and
 * every client's certificate must chain to, whether clients must present a certificate, and how
 * often the files are read again (rotation without a restart).
 *
 * @param cert this replica's certificate chain, leaf first
 * @param key its private key (PKCS#8, unencrypted)
 * @param ca the certificates peers and clients must chain to
 * @param clientAuth whether the client port asks clients for a certificate (the peer port always
 *     requires one)
 * @param reloadMillis how often the three files are checked for changes
 */
public record TlsFiles(Path cert, Path key, Path ca, ClientAuth clientAuth, long reloadMillis) {
  /** The default interval between two reads of the files. */
  public static final long RELOAD_MILLIS = 60_000;

  /** Whether the client port asks for a client certificate. */
  public enum ClientAuth {
    /** A client without a certificate from the CA is refused at the handshake. */
    REQUIRE,
    /** A client may present one (then it must chain to the CA) or call anonymously. */
    OPTIONAL,
    /** No client certificate is asked for: every client is anonymous. */
    NONE;

    /** The option's value ({@code require}, {@code optional}, {@code none}). */
    public String optionValue() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public TlsFiles {
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(clientAuth, "clientAuth");
    if (reloadMillis <= 0) {
      throw new IllegalArgumentException("reloadMillis must be positive, was " + reloadMillis);
    }
  }
}
