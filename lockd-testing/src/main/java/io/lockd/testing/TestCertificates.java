package io.lockd.testing;

import io.lockd.transport.ReplicaNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for tests, writing PEM files into a folder: replica
 * certificates that follow the naming rule ({@link ReplicaNames}: SAN URI {@code
 * lockd://<cell>/replica/<id>}, plus IP 127.0.0.1 and DNS localhost), client certificates named by
 * their CN, and the bad ones a test needs (expired, self-signed, from another CA, for another
 * host). EC P-256 keys, so that a test's certificates take milliseconds.
 */
public final class TestCertificates {
  /** A certificate file and its private key file. */
  public record Pem(Path cert, Path key) {}

  private static final Duration VALIDITY = Duration.ofDays(2);
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final String cell;
  private final String caName;
  private final KeyPair caKeys;
  private final X509Certificate caCert;
  private final Path caFile;
  private final Map<String, KeyPair> keys = new TreeMap<>();

  private TestCertificates(Path dir, String cell, String caName)
      throws IOException, GeneralSecurityException {
    this.dir = Files.createDirectories(dir);
    this.cell = cell;
    this.caName = caName;
    caKeys = newKeys();
    X500Name name = new X500Name("CN=" + caName);
    Instant now = Instant.now();
    caCert =
        sign(
            builder(
                    name,
                    name,
                    caKeys.getPublic(),
                    now.minus(Duration.ofHours(1)),
                    now.plus(VALIDITY))
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)),
            caKeys.getPrivate());
    caFile = write(caName + "-ca.pem", pem("CERTIFICATE", caCert.getEncoded()));
  }

  /** A new CA for cell {@code cell}, its files in {@code dir} (created if missing). */
  public static TestCertificates create(Path dir, String cell) {
    return create(dir, cell, "lockd-test-ca");
  }

  /** The same with the CA's CN (and file prefix) {@code caName}: a second, unrelated CA. */
  public static TestCertificates create(Path dir, String cell, String caName) {
    try {
      return new TestCertificates(dir, cell, caName);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a test CA", e);
    }
  }

  /** The CA certificate (PEM): what servers and clients trust. */
  public Path ca() {
    return caFile;
  }

  public String cell() {
    return cell;
  }

  /** Replica {@code id} of this CA's cell. */
  public Pem replica(int id) {
    return replica(cell, id);
  }

  /** A replica certificate naming replica {@code id} of {@code cellName} (maybe another cell). */
  public Pem replica(String cellName, int id) {
    return issueValid(
        "replica-" + cellName + "-" + id,
        "lockd replica " + id,
        hosts(
            new GeneralName(
                GeneralName.uniformResourceIdentifier, ReplicaNames.uri(cellName, id))));
  }

  /**
   * Replica {@code id}'s certificate issued again with the same key and a new serial number, into
   * the same files (each replaced atomically): what a rotation installs.
   */
  public Pem renewReplica(int id) {
    return replica(id);
  }

  /**
   * A replica certificate that names replica {@code id} but only the host {@code dnsName}: a client
   * dialling 127.0.0.1 sees a host name mismatch.
   */
  public Pem replicaForHost(int id, String dnsName) {
    return issueValid(
        "replica-" + cell + "-" + id + "-" + dnsName,
        "lockd replica " + id,
        List.of(
            new GeneralName(GeneralName.uniformResourceIdentifier, ReplicaNames.uri(cell, id)),
            new GeneralName(GeneralName.dNSName, dnsName)));
  }

  /** A client certificate whose identity is {@code commonName}. */
  public Pem client(String commonName) {
    return issueValid("client-" + commonName, commonName, List.of());
  }

  /** A client certificate from this CA that expired a day ago. */
  public Pem expiredClient(String commonName) {
    return issue(
        "expired-" + commonName,
        commonName,
        List.of(),
        Instant.now().minus(Duration.ofDays(3)),
        Instant.now().minus(Duration.ofDays(1)));
  }

  /** A certificate signed by its own key, naming {@code commonName}: no CA vouches for it. */
  public Pem selfSigned(String commonName) {
    try {
      KeyPair own = newKeys();
      X500Name name = new X500Name("CN=" + commonName);
      Instant now = Instant.now();
      X509Certificate cert =
          sign(
              builder(
                      name,
                      name,
                      own.getPublic(),
                      now.minus(Duration.ofHours(1)),
                      now.plus(VALIDITY))
                  .addExtension(
                      Extension.subjectAlternativeName,
                      false,
                      new GeneralNames(hosts().toArray(GeneralName[]::new))),
              own.getPrivate());
      return files("self-signed-" + commonName, cert, own.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<GeneralName> hosts(GeneralName... first) {
    List<GeneralName> names = new ArrayList<>(List.of(first));
    names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    names.add(new GeneralName(GeneralName.dNSName, "localhost"));
    return names;
  }

  /** A certificate valid from an hour ago for {@link #VALIDITY}. */
  private Pem issueValid(String file, String commonName, List<GeneralName> sans) {
    Instant now = Instant.now();
    return issue(file, commonName, sans, now.minus(Duration.ofHours(1)), now.plus(VALIDITY));
  }

  private synchronized Pem issue(
      String file, String commonName, List<GeneralName> sans, Instant notBefore, Instant notAfter) {
    try {
      KeyPair pair = keys.computeIfAbsent(file, f -> newKeys());
      X509v3CertificateBuilder b =
          builder(
              new X500Name("CN=" + caName),
              new X500Name("CN=" + commonName + ",O=lockd tests"),
              pair.getPublic(),
              notBefore,
              notAfter);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      if (!sans.isEmpty()) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      return files(file, sign(b, caKeys.getPrivate()), pair.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Pem files(String name, X509Certificate cert, PrivateKey key) throws IOException {
    try {
      String chain = pem("CERTIFICATE", cert.getEncoded());
      return new Pem(
          write(name + ".pem", chain),
          write(name + "-key.pem", pem("PRIVATE KEY", key.getEncoded())));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, PublicKey key, Instant notBefore, Instant notAfter) {
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIALS.incrementAndGet()),
        Date.from(notBefore),
        Date.from(notAfter),
        subject,
        key);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey)
      throws IOException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a test certificate", e);
    }
  }

  private static KeyPair newKeys() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** Writes beside the target and moves into place, so a reloading reader never sees half. */
  private Path write(String name, String text) throws IOException {
    Path target = dir.resolve(name);
    Path temp = dir.resolve(name + ".tmp");
    Files.writeString(temp, text, StandardCharsets.US_ASCII);
    return Files.move(
        temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
