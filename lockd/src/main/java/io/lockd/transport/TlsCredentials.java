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

/**
 * One replica's live TLS material, read from its {@link TlsFiles} and read again every {@link
 * TlsFiles#reloadMillis()} (grpc's AdvancedTls managers watch the files' modification times): a
 * rotated certificate, key or CA bundle is used for every connection opened after the next reload,
 * without a restart, while open connections keep the keys they were opened with.
 *
 * <p>One key manager and one CA trust manager serve both ports and every outbound channel, so that
 * the files are parsed once per reload, never per handshake or per call. The same certificate names
 * the replica for peers and serves clients.
 */
public final class TlsCredentials implements AutoCloseable {
  private final TlsFiles files;
  private final String cell;
  private final ScheduledExecutorService reloads;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager chain;
  private final AdvancedTlsX509KeyManager.Closeable keyReload;
  private final AdvancedTlsX509TrustManager.Closeable caReload;

  private TlsCredentials(TlsFiles files, String cell, int selfId)
      throws IOException, GeneralSecurityException {
    this.files = files;
    this.cell = cell;
    reloads =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lockd-tls-reload-" + selfId);
              t.setDaemon(true);
              return t;
            });
    try {
      // Chain only: a peer is identified by the replica name its certificate carries (checked by
      // the handshake and by ReplicaTrust), a client by its subject, never by a host name.
      chain =
          AdvancedTlsX509TrustManager.newBuilder()
              .setVerification(
                  AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
              .build();
      keyReload =
          keys.updateIdentityCredentials(
              files.cert().toFile(),
              files.key().toFile(),
              files.reloadMillis(),
              TimeUnit.MILLISECONDS,
              reloads);
      caReload =
          chain.updateTrustCredentials(
              files.ca().toFile(), files.reloadMillis(), TimeUnit.MILLISECONDS, reloads);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      reloads.shutdownNow();
      throw e;
    }
  }

  /**
   * Reads the files and starts reloading them; throws UncheckedIOException naming the file set if
   * they cannot be read or parsed (the configuration checks should have caught that first).
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
    keyReload.close();
    caReload.close();
    reloads.shutdownNow();
  }
}
