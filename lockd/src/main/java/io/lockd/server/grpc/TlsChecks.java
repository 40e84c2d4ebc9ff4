package io.lockd.server.grpc;

import io.grpc.util.CertificateUtils;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.transport.ReplicaNames;
import io.lockd.transport.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The checks of the TLS options, part of {@link ConfigChecks}: the three files go together, each
 * can be read and parsed, the key belongs to the certificate, and the certificate names this
 * replica of this cell ({@link ReplicaNames}); otherwise peers would refuse it one by one, each
 * time with a less direct message.
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
    clientAuth(b.clientAuth);
    X509Certificate[] chain = certificates("--tls-cert", b.tlsCert);
    certificates("--tls-ca", b.tlsCa);
    PrivateKey key = privateKey(b.tlsKey);
    if (!belongsTo(key, chain[0])) {
      throw new IllegalArgumentException(
          "--tls-key "
              + b.tlsKey
              + " is not the private key of the certificate in --tls-cert "
              + b.tlsCert);
    }
    String mismatch = ReplicaNames.mismatch(chain[0], b.cell, b.selfId);
    if (mismatch != null) {
      throw new IllegalArgumentException(
          "--tls-cert "
              + b.tlsCert
              + " cannot serve replica "
              + b.selfId
              + " of cell '"
              + b.cell
              + "': "
              + mismatch
              + " (docs/security.md, \"Identities\")");
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

  private static byte[] read(String option, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(option + " " + file + ": no such file");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(option + " " + file + " cannot be read: " + e, e);
    }
  }

  private static X509Certificate[] certificates(String option, Path file) {
    byte[] pem = read(option, file);
    X509Certificate[] certs;
    try (InputStream in = new java.io.ByteArrayInputStream(pem)) {
      certs = CertificateUtils.getX509Certificates(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          option + " " + file + " is not a PEM certificate file: " + e.getMessage(), e);
    }
    if (certs.length == 0) {
      throw new IllegalArgumentException(
          option + " " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certs;
  }

  private static PrivateKey privateKey(Path file) {
    byte[] pem = read("--tls-key", file);
    try (InputStream in = new java.io.ByteArrayInputStream(pem)) {
      return CertificateUtils.getPrivateKey(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(
          "--tls-key "
              + file
              + " is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----, PKCS#8): "
              + e.getMessage(),
          e);
    }
  }

  /** Whether a signature made with {@code key} verifies with {@code cert}'s public key. */
  private static boolean belongsTo(PrivateKey key, X509Certificate cert) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return true; // cannot tell here; the TLS handshake will
    }
    try {
      byte[] probe = "lockd".getBytes(StandardCharsets.US_ASCII);
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(cert.getPublicKey());
      verify.update(probe);
      return verify.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
