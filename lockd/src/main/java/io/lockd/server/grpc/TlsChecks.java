package io.lockd.server.grpc;

import io.lockd.namespace.NamespaceLimits;
import io.lockd.transport.TlsCredentials;
import io.lockd.transport.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The checks of the TLS options, part of {@link ConfigChecks}: the three files go together, each
 * can be read and parsed, the key belongs to the certificate, and the certificate names this
 * replica of this cell ({@link TlsCredentials#check}); otherwise peers would refuse it one by one,
 * each time with a less direct message.
 */
final class TlsChecks {
  private TlsChecks() {}

  static void validate(LockdConfigBuilder b) {
    if (b.tlsReloadMillis < 1 || b.tlsReloadMillis > NamespaceLimits.DURATION_CAP_MILLIS) {
      throw new IllegalArgumentException(
          "--tls-reload-ms must be within [1, "
              + NamespaceLimits.DURATION_CAP_MILLIS
              + "], was "
              + b.tlsReloadMillis);
    }
    List<String> given = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    (b.tlsCert != null ? given : missing).add("--tls-cert");
    (b.tlsKey != null ? given : missing).add("--tls-key");
    (b.tlsCa != null ? given : missing).add("--tls-ca");
    if (given.isEmpty()) {
      if (b.clientAuth != null) {
        throw new IllegalArgumentException(
            "--client-auth "
                + b.clientAuth
                + " needs TLS: give --tls-cert, --tls-key and --tls-ca");
      }
      return;
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "--tls-cert, --tls-key and --tls-ca go together: "
              + String.join(", ", given)
              + " given, "
              + String.join(", ", missing)
              + " missing");
    }
    TlsFiles.ClientAuth auth = clientAuth(b.clientAuth);
    readable("--tls-cert", b.tlsCert);
    readable("--tls-key", b.tlsKey);
    readable("--tls-ca", b.tlsCa);
    try {
      TlsCredentials.check(
          new TlsFiles(b.tlsCert, b.tlsKey, b.tlsCa, auth, b.tlsReloadMillis), b.cell, b.selfId);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "TLS (--tls-cert, --tls-key, --tls-ca): "
              + e.getMessage()
              + " (docs/security.md, \"Setting it up\")",
          e);
    }
  }

  /** The --client-auth value; unset means require. */
  static TlsFiles.ClientAuth clientAuth(String value) {
    if (value == null) {
      return TlsFiles.ClientAuth.REQUIRE;
    }
    try {
      return TlsFiles.ClientAuth.valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--client-auth must be require, optional or none, was '" + value + "'", e);
    }
  }

  private static void readable(String option, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(option + " " + file + ": no such file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(option + " " + file + " cannot be read");
    }
  }
}
