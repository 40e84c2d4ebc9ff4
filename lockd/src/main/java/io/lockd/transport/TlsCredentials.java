package io.lockd.transport;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's live TLS material, read from its {@link TlsFiles} and checked for changes every
 * {@link TlsFiles#reloadMillis()}: a rotated certificate, key or CA bundle is used for every
 * connection opened after the next check, without a restart, while open connections keep the keys
 * they were opened with. The material sits in grpc's AdvancedTls key and trust managers, which swap
 * it atomically; the files are watched here rather than by those managers, whose own watching never
 * runs more often than once a minute, and so that a half-finished rotation (a certificate whose key
 * is not there yet, or one that does not name this replica) is not installed ({@link TlsMaterial}).
 *
 * <p>One key manager and one CA trust manager serve both ports and every outbound channel, so that
 * the files are parsed once per change, never per handshake or per call. The same certificate names
 * the replica for peers and serves clients.
 */
public final class TlsCredentials implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsCredentials.class);

  private final TlsFiles files;
  private final String cell;
  private final int selfId;
  private final ScheduledExecutorService reloads;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager chain;
  private TlsMaterial.Stamp loaded; // only the reload thread touches it after construction
  private String lastProblem = "";

  private TlsCredentials(TlsFiles files, String cell, int selfId)
      throws IOException, GeneralSecurityException {
    this.files = files;
    this.cell = cell;
    this.selfId = selfId;
    // Chain only: a peer is identified by the replica name its certificate carries (checked by
    // the handshake and by ReplicaTrust), a client by its subject, never by a host name.
    chain =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
    TlsMaterial.Stamp stamp = TlsMaterial.stamp(files);
    install(TlsMaterial.read(files, cell, selfId));
    loaded = stamp;
    reloads =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lockd-tls-reload-" + selfId);
              t.setDaemon(true);
              return t;
            });
    reloads.scheduleWithFixedDelay(
        this::reloadIfChanged, files.reloadMillis(), files.reloadMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the files and starts watching them; throws UncheckedIOException naming the files if they
   * cannot be read or parsed (the configuration checks should have caught that first).
   */
  public static TlsCredentials load(TlsFiles files, String cell, int selfId) {
    try {
      return new TlsCredentials(files, cell, selfId);
    } catch (IOException | GeneralSecurityException e) {
      throw new UncheckedIOException(
          new IOException(
              "cannot load TLS files (cert "
                  + files.cert()
                  + ", key "
                  + files.key()
                  + ", CA "
                  + files.ca()
                  + "): "
                  + e.getMessage(),
              e));
    }
  }

  /**
   * Throws IllegalArgumentException saying what is wrong if {@code files} cannot serve replica
   * {@code selfId} of {@code cell}: a file that cannot be parsed, a key that is not the
   * certificate's, a certificate that names another replica.
   */
  public static void check(TlsFiles files, String cell, int selfId) {
    try {
      TlsMaterial.read(files, cell, selfId);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private void install(TlsMaterial material) throws IOException, GeneralSecurityException {
    chain.updateTrustCredentials(material.ca());
    keys.updateIdentityCredentials(material.chain(), material.key());
  }

  private void reloadIfChanged() {
    TlsMaterial.Stamp now = TlsMaterial.stamp(files);
    if (now.equals(loaded)) {
      return;
    }
    try {
      install(TlsMaterial.read(files, cell, selfId));
      loaded = now;
      lastProblem = "";
      log.info(
          "replica {}: TLS files changed, new connections use them: {}",
          selfId,
          TlsMaterial.describe(files));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      // Maybe a rotation half done (the certificate copied, its key not yet): keep serving with
      // the material in use, and try again at the next check.
      String problem = String.valueOf(e.getMessage());
      if (!problem.equals(lastProblem)) {
        lastProblem = problem;
        log.warn(
            "replica {}: TLS files changed but cannot be used yet, keeping the previous ones: {}",
            selfId,
            problem);
      }
    }
  }

  public TlsFiles files() {
    return files;
  }

  /** For the client port: this replica's certificate, and client certificates as configured. */
  public ServerCredentials clientPort() {
    return server(
        switch (files.clientAuth()) {
          case REQUIRE -> TlsServerCredentials.ClientAuth.REQUIRE;
          case OPTIONAL -> TlsServerCredentials.ClientAuth.OPTIONAL;
          case NONE -> TlsServerCredentials.ClientAuth.NONE;
        });
  }

  /** For the peer port: every peer must present a certificate from the CA. */
  ServerCredentials peerPort() {
    return server(TlsServerCredentials.ClientAuth.REQUIRE);
  }

  private ServerCredentials server(TlsServerCredentials.ClientAuth auth) {
    return TlsServerCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(chain)
        .clientAuth(auth)
        .build();
  }

  /**
   * For dialling replica {@code peerId} (its peer port, or its client port for its status): this
   * replica's certificate, and a server certificate that must name {@code peerId} of this cell.
   */
  public ChannelCredentials toReplica(int peerId) {
    return TlsChannelCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(new ReplicaTrust(chain, cell, peerId))
        .build();
  }

  @Override
  public void close() {
    reloads.shutdownNow();
  }
}
