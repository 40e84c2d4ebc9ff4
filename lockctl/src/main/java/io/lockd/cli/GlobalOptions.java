package io.lockd.cli;

import io.lockd.client.LockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every lockctl command takes: where the cell is, how to print, how long to wait. */
final class GlobalOptions {
  /** The endpoints of the local cell that deploy/local/cell.sh starts by default. */
  static final String LOCAL_CELL =
      "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103,127.0.0.1:7104,127.0.0.1:7105";

  /** Output formats. */
  enum Format {
    table,
    json
  }

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = {"-e", "--endpoints"},
      paramLabel = "HOST:PORT[,...]",
      defaultValue = "${env:LOCKD_ENDPOINTS:-" + LOCAL_CELL + "}",
      description =
          "The cell's client endpoints, comma-separated (default: $LOCKD_ENDPOINTS, else the local cell ${DEFAULT-VALUE}).")
  String endpoints;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Format output;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "How long to wait for the cell (e.g. 500ms, 10s, 2m; default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--cacert",
      paramLabel = "PEM",
      defaultValue = "${env:LOCKCTL_CACERT}",
      description =
          "Talk TLS, trusting the cell's CA certificate in this file (default: $LOCKCTL_CACERT;"
              + " unset: plaintext).")
  Path cacert;

  @Option(
      names = "--cert",
      paramLabel = "PEM",
      defaultValue = "${env:LOCKCTL_CERT}",
      description =
          "With --cacert: the client certificate to present; its subject CN is who you are to the"
              + " cell (default: $LOCKCTL_CERT).")
  Path cert;

  @Option(
      names = "--key",
      paramLabel = "PEM",
      defaultValue = "${env:LOCKCTL_KEY}",
      description = "The private key of --cert (unencrypted PKCS#8 PEM; default: $LOCKCTL_KEY).")
  Path key;

  boolean json() {
    return output == Format.json;
  }

  /** A client for the cell, named after this lockctl process. */
  LockClient client() {
    return clientBuilder().build();
  }

  /** The settings of {@link #client()}, to add to. */
  LockClient.Builder clientBuilder() {
    return Lockctl.clientCustomizer()
        .apply(
            tls(LockClient.builder())
                .endpoints(endpoints)
                // ProcessHandle, not the RuntimeMXBean: that starts JMX (~45 classes) for a number.
                .clientName("lockctl:" + ProcessHandle.current().pid())
                .operationTimeout(timeout)
                .attemptTimeout(
                    timeout.compareTo(Duration.ofSeconds(2)) < 0
                        ? timeout
                        : Duration.ofSeconds(2)));
  }

  /**
   * TLS as the options say; throws IllegalArgumentException (exit 2) for a certificate without a
   * key or a file that cannot be read or parsed.
   */
  private LockClient.Builder tls(LockClient.Builder b) {
    Path cacert = given(this.cacert);
    Path cert = given(this.cert);
    Path key = given(this.key);
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(
          "--cert and --key go together (or LOCKCTL_CERT and LOCKCTL_KEY): "
              + (cert == null ? "--cert" : "--key")
              + " is missing");
    }
    if (cacert == null) {
      if (cert != null) {
        throw new IllegalArgumentException(
            "--cert and --key need --cacert (or LOCKCTL_CACERT): the CA the cell's certificates"
                + " chain to");
      }
      return b;
    }
    return cert == null ? b.tls(cacert) : b.tls(cacert, cert, key);
  }

  /**
   * An empty path (an environment variable set to nothing, as `LOCKCTL_CERT= lockctl ...`) is none.
   */
  private static Path given(Path path) {
    return path == null || path.toString().isEmpty() ? null : path;
  }

  /** Prints rows as a table or a JSON array. */
  void printRows(List<String> columns, List<? extends Map<String, ?>> rows) {
    if (json()) {
      spec.commandLine().getOut().println(Json.write(rows));
    } else {
      Table.print(spec.commandLine().getOut(), columns, rows);
    }
    spec.commandLine().getOut().flush();
  }

  /** Prints one object as key-value lines or a JSON object. */
  void printObject(Map<String, ?> object) {
    if (json()) {
      spec.commandLine().getOut().println(Json.write(object));
    } else {
      Table.printObject(spec.commandLine().getOut(), object);
    }
    spec.commandLine().getOut().flush();
  }
}
