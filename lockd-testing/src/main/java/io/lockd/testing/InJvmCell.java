package io.lockd.testing;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lockd.namespace.Namespace;
import io.lockd.namespace.NamespaceLimits;
import io.lockd.server.ServerConfig;
import io.lockd.server.grpc.LockdConfig;
import io.lockd.server.grpc.LockdConfigBuilder;
import io.lockd.server.grpc.LockdServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A real lockd cell in this JVM: {@code size} production {@link LockdServer}s (replica, acceptor
 * log and MapDB checkpoints, gRPC peer transport, server core, lockd.v1 services) on 127.0.0.1,
 * ports chosen at run time. Replicas can be stopped (their data stays) and started again on the
 * same ports. Every wait is bounded; {@link #close} stops everything it started and deletes the
 * data directory if the cell made it.
 *
 * <p>The one in-JVM cell of the tree: the server's gRPC tests, the client library's tests and
 * lockctl's tests all run against it.
 */
public final class InJvmCell implements AutoCloseable {
  /** The bound of every wait for a leader, unless a caller names another. */
  public static final long WAIT_MILLIS = 30_000;

  private static final long SERVER_TICK_MILLIS = 10;

  /**
   * How long a replica waits for a peer's own status (the daemon: 300 ms). Longer here: on a loaded
   * test machine a peer may take more than 300 ms to answer, and the status tests check what a
   * replica reports of its peers, not how fast they answer. A stopped peer refuses at once.
   */
  private static final long STATUS_FETCH_MILLIS = 2_000;

  private static final long CORE_TICK_MILLIS = 5;

  private final String cellName;
  private final Path dataRoot;
  private final boolean ownsDataRoot;
  private final Map<Integer, String> peers = new TreeMap<>();
  private final Map<Integer, String> clientAddresses = new TreeMap<>();
  private final Map<Integer, LockdConfig> configs = new TreeMap<>();
  private final Map<Integer, LockdServer> running = new TreeMap<>();
  private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
  private final ClientPortFaults faults = new ClientPortFaults();
  private final TestCertificates tls; // null: plaintext
  private final List<ServerInterceptor> clientInterceptors;
  private final Builder spec;

  private InJvmCell(Builder b) throws IOException {
    cellName = b.cellName;
    tls = b.tls;
    clientInterceptors = List.copyOf(b.clientInterceptors);
    ownsDataRoot = b.dataRoot == null;
    dataRoot = ownsDataRoot ? Files.createTempDirectory("lockd-cell") : b.dataRoot;
    List<Integer> ids = new ArrayList<>();
    List<Integer> ports = FreePorts.distinct(2 * b.size);
    for (int id = 1; id <= b.size; id++) {
      ids.add(id);
      peers.put(id, "127.0.0.1:" + ports.get(2 * id - 2));
      clientAddresses.put(id, "127.0.0.1:" + ports.get(2 * id - 1));
    }
    spec = b;
    for (int id : ids) {
      LockdConfigBuilder config = base(id);
      ids.forEach(m -> config.member(m, peers.get(m), clientAddresses.get(m)));
      configs.put(id, b.settings.apply(config).build());
    }
    try {
      for (int id : ids) {
        start(id);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** One replica's settings as the builder asked for them, without the members. */
  private LockdConfigBuilder base(int id) {
    LockdConfigBuilder config =
        LockdConfig.builder()
            .cell(cellName)
            .selfId(id)
            .dataDir(dataRoot.resolve("r" + id))
            .namespaceLimits(spec.limits)
            .graceMillis(spec.graceMillis)
            .tickMillis(CORE_TICK_MILLIS)
            .serverTickMillis(SERVER_TICK_MILLIS)
            .statusFetchMillis(STATUS_FETCH_MILLIS)
            // Plaintext: every caller is anonymous, and tests list and force-close sessions.
            // A test of admin rights turns this off through settings().
            .allowAnonymousAdmin(true);
    if (tls != null) {
      TestCertificates.Pem pem =
          spec.replicaCertificates == null ? tls.replica(id) : spec.replicaCertificates.apply(id);
      config.tlsCert(pem.cert()).tlsKey(pem.key()).tlsCa(tls.ca());
    }
    return config;
  }

  /**
   * Makes replica {@code id} on new ports and an empty data directory, to join the running cell
   * ({@code lockd --join}): it finds the cell through the members that run now. It does not start
   * it; add it to the configuration ({@code AddMember} with {@link #peerAddress}/{@link #endpoint})
   * and then {@link #start} it.
   */
  public synchronized void prepareJoin(int id) {
    if (configs.containsKey(id)) {
      throw new IllegalArgumentException("replica " + id + " exists already");
    }
    List<Integer> ports = FreePorts.distinct(2);
    peers.put(id, "127.0.0.1:" + ports.get(0));
    clientAddresses.put(id, "127.0.0.1:" + ports.get(1));
    LockdConfigBuilder config = base(id).join(true);
    config.member(id, peers.get(id), clientAddresses.get(id));
    for (int m : running.keySet()) {
      config.member(m, peers.get(m), clientAddresses.get(m));
    }
    configs.put(id, spec.settings.apply(config).build());
  }

  /** Replica {@code id}'s peer address. */
  public String peerAddress(int id) {
    return peers.get(id);
  }

  /**
   * Replaces replica {@code id}'s settings for its next {@link #start} (it must be stopped): a
   * joined replica restarts without {@code --join}, for example.
   */
  public synchronized void reconfigure(int id, UnaryOperator<LockdConfigBuilder> change) {
    if (running.containsKey(id)) {
      throw new IllegalStateException("replica " + id + " runs");
    }
    LockdConfigBuilder config = base(id);
    peers.keySet().forEach(m -> config.member(m, peers.get(m), clientAddresses.get(m)));
    configs.put(id, change.apply(spec.settings.apply(config)).build());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How a cell is made; every setting has a default that suits a quick test. */
  public static final class Builder {
    private int size = 3;
    private String cellName = "test";
    private Path dataRoot;
    private NamespaceLimits limits = NamespaceLimits.defaults();
    private long graceMillis = ServerConfig.defaults().graceMillis();
    private UnaryOperator<LockdConfigBuilder> settings = UnaryOperator.identity();
    private TestCertificates tls;
    private IntFunction<TestCertificates.Pem> replicaCertificates;
    private final List<ServerInterceptor> clientInterceptors = new ArrayList<>();

    private Builder() {}

    /** How many replicas (default 3). */
    public Builder size(int replicas) {
      if (replicas < 1) {
        throw new IllegalArgumentException("a cell needs at least one replica, was " + replicas);
      }
      this.size = replicas;
      return this;
    }

    /** The cell's name, which peers compare (default "test"). */
    public Builder cellName(String name) {
      this.cellName = name;
      return this;
    }

    /**
     * Where the replicas keep their data ({@code r<id>} beneath it); the caller owns it. Without it
     * the cell makes a temporary directory and deletes it at {@link #close}.
     */
    public Builder dataRoot(Path root) {
      this.dataRoot = root;
      return this;
    }

    /**
     * Mutual TLS on both ports: each replica gets {@code certificates.replica(id)} and trusts
     * {@code certificates.ca()}, whose cell must be this cell's name (client certificates are
     * required unless {@link #settings} says otherwise).
     */
    public Builder tls(TestCertificates certificates) {
      this.tls = certificates;
      return this;
    }

    /** With {@link #tls}: each replica's certificate and key, instead of {@code replica(id)}. */
    public Builder replicaCertificates(IntFunction<TestCertificates.Pem> byId) {
      this.replicaCertificates = byId;
      return this;
    }

    /**
     * One more interceptor on every replica's client port, inside the faults' and (with TLS) the
     * authentication's: it sees each call as the services do, caller identity included.
     */
    public Builder clientInterceptor(ServerInterceptor interceptor) {
      this.clientInterceptors.add(interceptor);
      return this;
    }

    /** The namespace's limits (every replica the same). */
    public Builder limits(NamespaceLimits namespaceLimits) {
      this.limits = namespaceLimits;
      return this;
    }

    /** The server's failover grace: how long a new leader waits for sessions to reconnect. */
    public Builder graceMillis(long grace) {
      this.graceMillis = grace;
      return this;
    }

    /**
     * Any other setting of every replica (lease, election timing, server limits...), on top of the
     * cell's own; a relation the settings break is refused when the cell starts.
     */
    public Builder settings(UnaryOperator<LockdConfigBuilder> change) {
      this.settings = change;
      return this;
    }

    /** Starts every replica; throws (having stopped what started) if one cannot start. */
    public InJvmCell start() throws IOException {
      return new InJvmCell(this);
    }
  }

  public String cellName() {
    return cellName;
  }

  public int size() {
    return configs.size();
  }

  /** Every replica's client address ({@code 127.0.0.1:port}) in id order, stopped ones too. */
  public List<String> endpoints() {
    return List.copyOf(clientAddresses.values());
  }

  /** Replica {@code id}'s client address. */
  public String endpoint(int id) {
    return clientAddresses.get(id);
  }

  /** Every replica's client address by id. */
  public Map<Integer, String> clientAddresses() {
    return clientAddresses;
  }

  /** Every replica's peer address by id. */
  public Map<Integer, String> peerAddresses() {
    return peers;
  }

  /** Where replica {@code id} keeps its data. */
  public Path dataDir(int id) {
    return configs.get(id).runtime().dataDir();
  }

  /** The replicas that run now, in id order. */
  public synchronized List<LockdServer> servers() {
    return List.copyOf(running.values());
  }

  /** Replica {@code id}, which must run. */
  public synchronized LockdServer server(int id) {
    LockdServer s = running.get(id);
    if (s == null) {
      throw new IllegalStateException("replica " + id + " does not run");
    }
    return s;
  }

  public synchronized boolean isRunning(int id) {
    return running.containsKey(id);
  }

  /** Waits at most {@link #WAIT_MILLIS} until a replica serves clients; returns it. */
  public LockdServer awaitLeader() throws Exception {
    return awaitLeader(WAIT_MILLIS);
  }

  /** Waits at most {@code waitMillis} until a running replica serves clients; returns it. */
  public LockdServer awaitLeader(long waitMillis) throws Exception {
    return Leaders.await(servers(), waitMillis);
  }

  /**
   * The faults injected on every replica's client port (all off at first). Tests that use them
   * should {@link ClientPortFaults#reset} them when done if the cell outlives the test.
   */
  public ClientPortFaults faults() {
    return faults;
  }

  /**
   * Moves leadership the way a crash would: stops the leader, waits (bounded) until another replica
   * serves, and starts the stopped one again (as a follower, from its data). Returns the new
   * leader. Needs a cell of three or more.
   */
  public LockdServer moveLeader() throws Exception {
    LockdServer old = awaitLeader();
    int oldId = old.selfId();
    stop(oldId);
    LockdServer next = awaitLeader();
    start(oldId);
    return next;
  }

  /**
   * Reads the namespace as the serving leader has applied it (waits, bounded, for one): what the
   * cell has committed, without going through the client under test.
   */
  public <T> T readLeader(Function<Namespace, T> read) throws Exception {
    return awaitLeader().onLoop(c -> c.readLocal(read), 5_000);
  }

  /** A running replica other than {@code leader}. */
  public LockdServer follower(LockdServer leader) {
    return servers().stream().filter(s -> s != leader).findFirst().orElseThrow();
  }

  /** Stops replica {@code id} cleanly (its connections close, its data stays); no-op if stopped. */
  public void stop(int id) {
    LockdServer s;
    ManagedChannel ch;
    synchronized (this) {
      s = running.remove(id);
      ch = channels.remove(id);
    }
    if (ch != null) {
      ch.shutdownNow();
    }
    if (s != null) {
      s.close();
    }
  }

  /**
   * Starts replica {@code id} (again) from its data directory on its ports. A port just released
   * may stay taken for a moment: it retries for up to five seconds.
   */
  public LockdServer start(int id) throws IOException {
    LockdConfig config = configs.get(id);
    if (config == null) {
      throw new IllegalArgumentException("no replica " + id + " in a cell of " + size());
    }
    synchronized (this) {
      if (running.containsKey(id)) {
        throw new IllegalStateException("replica " + id + " runs already");
      }
    }
    LockdServer started = null;
    for (int attempt = 1; started == null; attempt++) {
      try {
        List<ServerInterceptor> interceptors = new ArrayList<>();
        interceptors.add(faults.interceptor(id));
        interceptors.addAll(clientInterceptors);
        started = LockdServer.start(config, interceptors);
      } catch (UncheckedIOException e) {
        if (attempt == 20) {
          throw e;
        }
        pause(250);
      }
    }
    synchronized (this) {
      running.put(id, started);
    }
    return started;
  }

  /** Stops replica {@code id} and starts it again from its data. */
  public LockdServer restart(int id) throws IOException {
    stop(id);
    return start(id);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a port", e);
    }
  }

  /** A plaintext channel to {@code server}'s client port, shared and closed by the cell. */
  public ManagedChannel channel(LockdServer server) {
    return channel(server.selfId());
  }

  /**
   * A channel to replica {@code id}'s client port, shared and closed by the cell: plaintext, or
   * with TLS as the client {@value #TLS_CLIENT} if the cell runs TLS.
   */
  public synchronized ManagedChannel channel(int id) {
    return channels.computeIfAbsent(
        id,
        i ->
            tls == null
                ? NettyChannelBuilder.forTarget(clientAddresses.get(i)).usePlaintext().build()
                : NettyChannelBuilder.forTarget(clientAddresses.get(i), clientCredentials())
                    .build());
  }

  /** The identity of the cell's own channels when it runs TLS. */
  public static final String TLS_CLIENT = "in-jvm-cell";

  private ChannelCredentials clientCredentials() {
    TestCertificates.Pem pem = tls.client(TLS_CLIENT);
    try {
      return TlsChannelCredentials.newBuilder()
          .trustManager(tls.ca().toFile())
          .keyManager(pem.cert().toFile(), pem.key().toFile())
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The cell's certificates, or null if it runs plaintext. */
  public TestCertificates certificates() {
    return tls;
  }

  /** The checksum of {@code server}'s namespace, read on its loop. */
  public static long checksum(LockdServer server) throws Exception {
    return server.onLoop(c -> c.readLocal(Namespace::stateChecksum), 5_000);
  }

  /** The last log index {@code server}'s namespace applied, read on its loop. */
  public static long appliedIndex(LockdServer server) throws Exception {
    return server.onLoop(c -> c.readLocal(Namespace::appliedIndex), 5_000);
  }

  @Override
  public void close() {
    List<ManagedChannel> openChannels;
    List<LockdServer> servers;
    synchronized (this) {
      openChannels = List.copyOf(channels.values());
      channels.clear();
      servers = List.copyOf(running.values());
      running.clear();
    }
    openChannels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : openChannels) {
      try {
        c.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (LockdServer s : servers) {
      s.close();
    }
    if (ownsDataRoot) {
      deleteTree(dataRoot);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary directory left behind is harmless; the servers are stopped either way
    }
  }
}
