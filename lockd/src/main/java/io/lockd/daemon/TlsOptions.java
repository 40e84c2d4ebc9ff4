package io.lockd.daemon;

import io.lockd.server.grpc.LockdConfigBuilder;
import io.lockd.transport.TlsFiles;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** TLS on both ports (docs/security.md); without these options every port is plaintext. */
final class TlsOptions {
  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description =
          "This replica's certificate chain, leaf first; it must carry the subject alternative "
              + "name URI lockd://CELL/replica/ID. Served on both ports and presented to peers.")
  Path cert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      description = "The certificate's private key (unencrypted PKCS#8, BEGIN PRIVATE KEY).")
  Path key;

  @Option(
      names = "--tls-ca",
      paramLabel = "PEM",
      description = "The CA certificates every peer's and client's certificate must chain to.")
  Path ca;

  @Option(
      names = "--client-auth",
      paramLabel = "MODE",
      description =
          "Client certificates on the client port: require (the default with TLS), optional "
              + "(clients without one are anonymous) or none. Peers always need one.")
  String clientAuth;

  @Option(
      names = "--tls-reload-ms",
      paramLabel = "MS",
      defaultValue = "" + TlsFiles.RELOAD_MILLIS,
      description =
          "How often the three files are read again, so that a rotated certificate, key or CA is"
              + " used for new connections without a restart (default: ${DEFAULT-VALUE}).")
  long reloadMillis;

  void applyTo(LockdConfigBuilder b) {
    if (cert != null) {
      b.tlsCert(cert);
    }
    if (key != null) {
      b.tlsKey(key);
    }
    if (ca != null) {
      b.tlsCa(ca);
    }
    if (clientAuth != null) {
      b.clientAuth(clientAuth);
    }
    b.tlsReloadMillis(reloadMillis);
  }
}
