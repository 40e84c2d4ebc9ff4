package io.lockd.client;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;

/**
 * The TLS material of a client, in PEM: the CA that the cell's certificates chain to, and
 * optionally the client's own certificate and private key (for a cell that requires client
 * certificates; the certificate's subject CN is the identity the cell sees). Checked when given, so
 * that a wrong file fails at {@code build()} with a message naming it, not at the first call. The
 * server's host name is verified against its certificate (the endpoint's host must be one of its
 * subject alternative names).
 */
final class ClientTls {
  private final byte[] ca;
  private final byte[] cert; // null: no client certificate
  private final byte[] key;
  private final ChannelCredentials credentials;

  private ClientTls(byte[] ca, byte[] cert, byte[] key) {
    this.ca = ca;
    this.cert = cert;
    this.key = key;
    checkCertificates("CA", ca);
    if (cert != null) {
      checkCertificates("client certificate", cert);
      checkKey(key);
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    try {
      b.trustManager(new ByteArrayInputStream(ca));
      if (cert != null) {
        b.keyManager(new ByteArrayInputStream(cert), new ByteArrayInputStream(key));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    credentials = b.build();
  }

  static ClientTls of(byte[] ca, byte[] cert, byte[] key) {
    if (ca == null) {
      throw new IllegalArgumentException("TLS needs the CA certificate (PEM) to trust");
    }
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(
          "TLS: a client certificate and its private key go together; "
              + (cert == null ? "the certificate" : "the key")
              + " is missing");
    }
    return new ClientTls(
        ca.clone(), cert == null ? null : cert.clone(), key == null ? null : key.clone());
  }

  static ClientTls of(Path ca, Path cert, Path key) {
    return of(
        read("CA", ca),
        cert == null ? null : read("certificate", cert),
        key == null ? null : read("key", key));
  }

  static ClientTls of(InputStream ca, InputStream cert, InputStream key) {
    return of(
        read("CA", ca),
        cert == null ? null : read("certificate", cert),
        key == null ? null : read("key", key));
  }

  ChannelCredentials credentials() {
    return credentials;
  }

  private static byte[] read(String what, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "TLS: cannot read the " + what + " file " + file + ": " + e, e);
    }
  }

  private static byte[] read(String what, InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalArgumentException("TLS: cannot read the " + what + ": " + e, e);
    }
  }

  private static void checkCertificates(String what, byte[] pem) {
    Collection<? extends Certificate> certs;
    try {
      certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "TLS: the " + what + " is not a PEM certificate: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException(
          "TLS: the " + what + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
  }

  /** The key must be PKCS#8, as the TLS stack reads it; other encodings get a way to convert. */
  private static void checkKey(byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "TLS: the private key must be unencrypted PKCS#8 PEM (-----BEGIN PRIVATE KEY-----);"
              + " convert one with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("TLS: the private key's PEM is not valid base64", e);
    }
    for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        return;
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        "TLS: the private key is neither an EC, RSA nor Ed25519 key");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClientTls other
        && Arrays.equals(ca, other.ca)
        && Arrays.equals(cert, other.cert)
        && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(ca) + Arrays.hashCode(cert)) + Arrays.hashCode(key);
  }
}
