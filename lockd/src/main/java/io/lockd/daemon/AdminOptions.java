package io.lockd.daemon;

import io.lockd.server.grpc.LockdConfigBuilder;
import java.util.List;
import picocli.CommandLine.Option;

/** Who may administer the cell (equal on all members: replicas compare them when they connect). */
final class AdminOptions {
  @Option(
      names = "--admin",
      paramLabel = "IDENTITY",
      description =
          "An identity allowed to administer the cell (ForceCloseSession, listing every "
              + "session); once per identity. Default: nobody.")
  List<String> admins;

  @Option(
      names = "--allow-anonymous-admin",
      description =
          "Let anonymous callers (no client certificate, or a plaintext port) administer the "
              + "cell: for local trials and tests only (deploy/local/cell.sh without --tls sets "
              + "it). Default: refused.")
  boolean allowAnonymousAdmin;

  void applyTo(LockdConfigBuilder b) {
    if (admins != null) {
      admins.forEach(b::admin);
    }
    b.allowAnonymousAdmin(allowAnonymousAdmin);
  }
}
