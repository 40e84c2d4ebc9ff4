package io.lockd.transport;

import io.grpc.util.CertificateUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * A replica's TLS files, parsed and checked together: the certificate chain, its private key and
 * the CA certificates. Used at start (through the configuration checks) and at every reload, so
 * that only a usable set is ever installed: the key must be the certificate's, and the certificate
 * must name this replica ({@link ReplicaNames}).
 */
record TlsMaterial(X509Certificate[] chain, PrivateKey key, X509Certificate[] ca) {
  /** What identifies a version of the three files: modification times and sizes. */
  record Stamp(
      long certModified,
      long certSize,
      long keyModified,
      long keySize,
      long caModified,
      long caSize) {}

  static Stamp stamp(TlsFiles files) {
    return new Stamp(
        modified(files.cert()),
        size(files.cert()),
        modified(files.key()),
        size(files.key()),
        modified(files.ca()),
        size(files.ca()));
  }

  private static long modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return -1;
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Reads and checks the three files; the exception's message names the file at fault. */
  static TlsMaterial read(TlsFiles files, String cell, int selfId)
      throws IOException, GeneralSecurityException {
    X509Certificate[] chain = certificates("certificate", files.cert());
    X509Certificate[] ca = certificates("CA", files.ca());
    PrivateKey key;
    try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(files.key()))) {
      key = CertificateUtils.getPrivateKey(in);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new GeneralSecurityException(
          "key file "
              + files.key()
              + " is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----, PKCS#8): "
              + e.getMessage(),
          e);
    }
    if (!belongsTo(key, chain[0])) {
      throw new GeneralSecurityException(
          "key file "
              + files.key()
              + " is not the private key of the certificate in "
              + files.cert());
    }
    String mismatch = ReplicaNames.mismatch(chain[0], cell, selfId);
    if (mismatch != null) {
      throw new CertificateException(
          "certificate file "
              + files.cert()
              + " cannot serve replica "
              + selfId
              + " of cell '"
              + cell
              + "': "
              + mismatch);
    }
    return new TlsMaterial(chain, key, ca);
  }

  private static X509Certificate[] certificates(String what, Path file)
      throws IOException, GeneralSecurityException {
    X509Certificate[] certs;
    try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(file))) {
      certs = CertificateUtils.getX509Certificates(in);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new CertificateException(
          what + " file " + file + " is not a PEM certificate file: " + e.getMessage(), e);
    }
    if (certs.length == 0) {
      throw new CertificateException(
          what + " file " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certs;
  }

  /** Whether a signature made with {@code key} verifies with {@code cert}'s public key. */
  static boolean belongsTo(PrivateKey key, X509Certificate cert) {
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

  /** The files, for a log line. */
  static String describe(TlsFiles files) {
    return "cert " + files.cert() + ", key " + files.key() + ", CA " + files.ca();
  }
}
