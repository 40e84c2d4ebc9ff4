package io.lockd.transport;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server only if its certificate chains to the cell's CA (the delegate, which reloads the
 * CA file) and names the replica this side meant to reach ({@link ReplicaNames}): a replica
 * dialling a peer, or asking a peer's client port for its status, must not talk to another cell's
 * replica or to a swapped address. Host names are not checked: the replica name is the identity.
 */
final class ReplicaTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager chain;
  private final String cell;
  private final int expectedId;

  ReplicaTrust(X509ExtendedTrustManager chain, String cell, int expectedId) {
    this.chain = chain;
    this.cell = cell;
    this.expectedId = expectedId;
  }

  private void checkName(X509Certificate[] certs) throws CertificateException {
    String mismatch = ReplicaNames.mismatch(certs[0], cell, expectedId);
    if (mismatch != null) {
      throw new CertificateException(
          "the server dialled as replica "
              + expectedId
              + " of cell '"
              + cell
              + "' is refused: "
              + mismatch);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
      throws CertificateException {
    chain.checkServerTrusted(certs, authType, engine);
    checkName(certs);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
      throws CertificateException {
    chain.checkServerTrusted(certs, authType, socket);
    checkName(certs);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType)
      throws CertificateException {
    chain.checkServerTrusted(certs, authType);
    checkName(certs);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
      throws CertificateException {
    chain.checkClientTrusted(certs, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket)
      throws CertificateException {
    chain.checkClientTrusted(certs, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType)
      throws CertificateException {
    chain.checkClientTrusted(certs, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return chain.getAcceptedIssuers();
  }
}
