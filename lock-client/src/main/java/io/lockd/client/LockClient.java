package io.lockd.client;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point to a lockd cell. Built from the list of replica endpoints, it finds the leader
 * (following the hints non-leaders give), fails over transparently when the leader changes, and
 * opens a {@link Session} when first needed. Every mutating request carries (session, sequence),
 * and a request whose answer was lost is sent again with the same pair until a final answer
 * arrives, so it is applied at most once.
 *
 * <p>Methods here block at most the operation timeout (plus a second of slack), whatever the cell
 * does, and then throw {@link LockdException} DEADLINE_EXCEEDED; a lock's {@code acquire(timeout)}
 * waits for the lock up to its own timeout (docs/client.md, "Deadlines"). {@link #async} gives the
 * same operations returning futures. Blocking methods must not be called from a lockd callback
 * (listeners and future continuations run on the client's event threads; doing so throws
 * IllegalStateException).
 *
 * <pre>{@code
 * try (LockClient client = LockClient.builder()
 *         .endpoints("10.0.0.1:7001", "10.0.0.2:7001", "10.0.0.3:7001", "10.0.0.4:7001", "10.0.0.5:7001")
 *         .clientName("billing-worker-3")
 *         .build()) {
 *   try (DistributedLock lock = client.lock("/locks/billing")) {
 *     if (lock.acquire(Duration.ofSeconds(30))) {
 *       ledger.append(entry, lock.sequencer()); // the ledger checks the sequencer
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Many clients, few threads.</b> A client is one session. Clients of one JVM built for the
 * same endpoints with the same channel factory share one runtime: one channel (connection) per
 * replica for up to 256 of them, one loop thread and two callback threads in all, however many
 * clients there are ({@link Builder#sharedRuntime}, {@link Builder#loopThreads}). So an application
 * that needs a session per tenant, per job or per request builds a client for each:
 *
 * <pre>{@code
 * LockClient.Builder b = LockClient.builder().endpoints(endpoints);
 * try (LockClient a = b.clientName("tenant-a").build();  // starts the shared runtime
 *      LockClient c = b.clientName("tenant-c").build()) { // shares it: no new thread or connection
 *   a.lock("/locks/a").acquire();
 *   c.lock("/locks/c").acquire();
 * }                                                      // the last close stops the threads
 * }</pre>
 *
 * <p>{@link #close} closes the session (releasing its locks without lock-delay); the last client of
 * a runtime also shuts its channels down and stops its threads. Thread-safe.
 */
public final class LockClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LockClient.class);
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final ClientContext ctx;
  private final LeaderRouter router;
  private final AsyncLockClient async;
  private final AdminClient admin;
  private final EndpointRefresh refresh;
  private final ClientRuntime runtime;
  private final ClientRuntime.Attachment attachment;
  private final Object closeLock = new Object();
  private boolean closed;

  private LockClient(Builder b) {
    runtime = b.runtime("lockd-client-" + COUNTER.incrementAndGet());
    attachment = runtime.attach();
    Loop loop = attachment.loop();
    ClientClock clock = b.clock == null ? loop.systemClock() : b.clock.apply(loop);
    Backoff backoff =
        new Backoff(b.backoffMin.toNanos(), b.backoffMax.toNanos(), new SplittableRandom(b.seed));
    router = new LeaderRouter(b.endpoints, attachment.channels(), loop);
    Rpc rpc = new Rpc(router, clock, backoff, b.attemptTimeout.toNanos());
    ctx =
        new ClientContext(
            loop,
            clock,
            attachment.dispatcher(),
            rpc,
            backoff,
            b.clientName,
            b.sessionLease.toMillis(),
            b.attemptTimeout.toNanos(),
            b.operationTimeout.toNanos(),
            b.gracePeriod.toNanos(),
            b.clockDriftBound,
            b.maxQueuedPerSession,
            b.cacheMaxEntries);
    async = new AsyncLockClient(ctx);
    admin = new AdminClient(async);
    refresh = new EndpointRefresh(ctx, router, b.endpointRefresh.toNanos());
    loop.execute(refresh::start);
  }

  /** A builder; {@link Builder#endpoints} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The same operations, asynchronously. */
  public AsyncLockClient async() {
    return async;
  }

  /**
   * The cell's administration through this client (its endpoints, timeouts and session): cell
   * status, every session, force-closing one. Separate so that application code does not call them
   * by accident.
   *
   * <pre>{@code
   * int leader = client.admin().cellStatus().leaderId();
   * }</pre>
   */
  public AdminClient admin() {
    return admin;
  }

  /**
   * The endpoints the client tries now: those it was built with until it learned the cell's members
   * from the cell ({@link Builder#endpointRefresh}).
   */
  public List<String> endpoints() {
    return router.endpoints();
  }

  /** The client's current session, opened if there is none (or the last one ended). */
  public Session session() {
    return async.await(async.session());
  }

  // ------------------------------------------------------------------ nodes

  /** Creates a node; see {@link CreateOptions}. */
  public NodeStat create(String path, CreateOptions options) {
    return async.await(async.create(path, options));
  }

  /** Creates a permanent file with these contents. */
  public NodeStat createFile(String path, byte[] contents) {
    return async.await(async.createFile(path, contents));
  }

  /** Creates a permanent directory. */
  public NodeStat createDirectory(String path) {
    return async.await(async.createDirectory(path));
  }

  /** Creates {@code path} and missing parents as directories; returns how many were created. */
  public int mkdirs(String path) {
    return async.await(async.mkdirs(path));
  }

  /** Creates the node unless one exists at the path; true if this call created it. */
  public boolean createUnlessExists(String path, CreateOptions options) {
    return async.await(async.createUnlessExists(path, options));
  }

  /** Deletes a file or an empty directory whose lock has no holders or waiters. */
  public void delete(String path) {
    async.await(async.delete(path));
  }

  /** Deletes the node only if its content generation matches. */
  public void deleteIf(String path, long expectedContentGeneration) {
    async.await(async.deleteIf(path, expectedContentGeneration));
  }

  /** Replaces a file's contents. */
  public NodeStat setContents(String path, byte[] contents) {
    return async.await(async.setContents(path, contents));
  }

  /** Compare-and-set on the content generation. */
  public NodeStat setContentsIf(String path, byte[] contents, long expectedContentGeneration) {
    return async.await(async.setContentsIf(path, contents, expectedContentGeneration));
  }

  /**
   * Reads a file's contents and stat: linearizable when served by the leader under its lease; with
   * a cache ({@link Builder#cache}) possibly from the cache, never older than an acknowledged
   * write.
   */
  public NodeData getContents(String path) {
    return async.await(async.getContents(path));
  }

  /** The consistent cache's counters (all zero unless built with {@link Builder#cache}). */
  public CacheStats cacheStats() {
    return async.cacheStats();
  }

  /** Reads a node's stat. */
  public NodeStat stat(String path) {
    return async.await(async.stat(path));
  }

  /** Reads a node's ACL (needs the read right on it); see {@link Acl}. */
  public Acl getAcl(String path) {
    return async.await(async.getAcl(path));
  }

  /** Replaces a node's ACL (needs the admin right on it); see {@link Acl}. */
  public NodeStat setAcl(String path, Acl acl) {
    return async.await(async.setAcl(path, acl));
  }

  /** Compare-and-set on the ACL generation ({@link NodeStat#aclGeneration()}). */
  public NodeStat setAcl(String path, Acl acl, long expectedAclGeneration) {
    return async.await(async.setAclIf(path, acl, expectedAclGeneration));
  }

  /** True if the node exists. */
  public boolean exists(String path) {
    return async.await(async.exists(path));
  }

  /** A directory's children (names), ascending. */
  public List<String> children(String path) {
    return async.await(async.children(path));
  }

  // ------------------------------------------------------------------ locks

  /** An exclusive lock on {@code path} (which must exist when acquired). */
  public DistributedLock lock(String path) {
    return lock(path, LockMode.EXCLUSIVE, null);
  }

  /** A lock on {@code path} in {@code mode}. */
  public DistributedLock lock(String path, LockMode mode) {
    return lock(path, mode, null);
  }

  /** A lock on {@code path} in {@code mode} whose loss is reported to {@code listener}. */
  public DistributedLock lock(String path, LockMode mode, LockListener listener) {
    return async.lock(path, mode, listener);
  }

  /** The state of a node's lock: mode, holders (with client names), FIFO waiters, lock-delay. */
  public LockDetails lockInfo(String path) {
    return async.await(async.lockInfo(path));
  }

  /**
   * True if {@code sequencer} is still valid: its session holds that lock, in that mode, with that
   * generation, on that instance of the node. Resource servers call this (or use a {@link
   * FencingGuard}) before acting for a lock holder.
   */
  public boolean checkSequencer(Sequencer sequencer) {
    return async.await(async.checkSequencer(sequencer));
  }

  // ------------------------------------------------------------------ watches

  /** Subscribes {@code listener} to changes on {@code path}; events follow the returned handle. */
  public Watch watch(String path, WatchKind kind, WatchListener listener) {
    return async.await(async.watch(path, kind, listener));
  }

  // ------------------------------------------------------------------ closing

  /**
   * Closes the session (its locks are released without lock-delay and its ephemeral nodes deleted),
   * then gives back its share of the runtime: the last client of a shared runtime (or a client with
   * its own) also shuts the channels down and stops the threads. Waits at most the operation
   * timeout for the cell, plus a few seconds for callbacks, channels and threads to stop. Other
   * clients sharing the runtime are not disturbed. Idempotent.
   */
  @Override
  public void close() {
    ctx.dispatcher.checkNotDispatchThread();
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    CompletableFuture<Void> sessionClosed = async.beginClose();
    try {
      sessionClosed.get(
          ctx.operationTimeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
    } catch (Exception e) {
      log.warn("closing the lockd session did not finish in time: {}", e.toString());
    }
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    ctx.loop.execute(
        () -> {
          async.abandonSession();
          refresh.stop();
          router.shutdown();
          ctx.rpc.cancelAll(Errors.closed()); // the channels may be shared: they stay open
          ctx.loop.close();
          stopped.complete(null);
        });
    try {
      stopped.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("stopping the lockd client's loop work: {}", e.toString());
    }
    runtime.detach(attachment);
  }

  /** The threads and channels this client uses (tests). */
  ClientRuntime runtime() {
    return runtime;
  }

  /** The channels this client uses, maybe with others (tests). */
  ChannelPool.Group channelGroup() {
    return attachment.channels();
  }

  /**
   * Settings of a {@link LockClient}.
   *
   * <pre>{@code
   * LockClient client = LockClient.builder()
   *     .endpoints("127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003")
   *     .clientName("indexer")
   *     .operationTimeout(Duration.ofSeconds(10))
   *     .gracePeriod(Duration.ofSeconds(45))
   *     .clockDriftBound(0.01)
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private String clientName; // defaultClientName unless set
    private Duration sessionLease = Duration.ZERO;
    private Duration attemptTimeout = Duration.ofSeconds(2);
    private Duration endpointRefresh = Duration.ofSeconds(30);
    private Duration operationTimeout = Duration.ofSeconds(30);
    private Duration gracePeriod = Duration.ofSeconds(45);
    private double clockDriftBound = 0.01;
    private Duration backoffMin = Duration.ofMillis(20);
    private Duration backoffMax = Duration.ofSeconds(1);
    private int maxQueuedPerSession = 10_000;
    private int cacheMaxEntries;
    private ChannelFactory channelFactory = ChannelFactory.plaintext();
    private boolean sharedRuntime = true;
    private int loopThreads = 1;
    private int callbackThreads = 2;
    private int sessionsPerChannel = 256;
    private Function<Loop, ClientClock> clock;
    private long seed = System.nanoTime();
    private Executor loopTasks;
    private Consumer<Throwable> loopFailures;
    private Executor callbacks;

    private Builder() {}

    /** The replicas' client endpoints, {@code host:port} each; entries may be comma-separated. */
    public Builder endpoints(String... endpoints) {
      return endpoints(Arrays.asList(endpoints));
    }

    /** The replicas' client endpoints, {@code host:port} each. */
    public Builder endpoints(List<String> endpoints) {
      List<String> list = new ArrayList<>();
      for (String e : endpoints) {
        for (String part : e.split(",")) {
          String a = part.trim();
          if (a.isEmpty()) {
            continue;
          }
          if (!a.matches("[^:\\s]+:\\d{1,5}") && !a.matches("\\[[0-9a-fA-F:.]+\\]:\\d{1,5}")) {
            throw new IllegalArgumentException("endpoint '" + a + "' is not host:port");
          }
          if (!list.contains(a)) {
            list.add(a);
          }
        }
      }
      this.endpoints = List.copyOf(list);
      return this;
    }

    /**
     * A name for people: shown by lockctl in session and lock listings (at most 256 bytes).
     * Default: {@code $HOSTNAME:pid} if the environment variable HOSTNAME is set, else {@code
     * java-pid}; the library never looks the host name up in DNS by itself.
     */
    public Builder clientName(String clientName) {
      this.clientName = clientName;
      return this;
    }

    /** The session lease to ask for; zero (the default) takes the cell's default. */
    public Builder sessionLease(Duration lease) {
      this.sessionLease = nonNegative("sessionLease", lease);
      return this;
    }

    /**
     * How often the client asks the cell for its members and makes their client addresses its
     * endpoints (default 30 s; zero: never, the endpoints stay those given). So a client reaches
     * replicas added after it started and stops trying removed ones (docs/client.md).
     */
    public Builder endpointRefresh(Duration period) {
      this.endpointRefresh = nonNegative("endpointRefresh", period);
      return this;
    }

    /** How long one attempt at one replica may take before the next is tried (default 2 s). */
    public Builder attemptTimeout(Duration timeout) {
      this.attemptTimeout = positive("attemptTimeout", timeout);
      return this;
    }

    /** How long a blocking call or future may take in all, retries included (default 30 s). */
    public Builder operationTimeout(Duration timeout) {
      this.operationTimeout = positive("operationTimeout", timeout);
      return this;
    }

    /**
     * How long a session in jeopardy keeps trying to reach a leader before it is given up (default
     * 45 s). It should not be shorter than the time the cell needs to elect a new leader.
     */
    public Builder gracePeriod(Duration grace) {
      this.gracePeriod = nonNegative("gracePeriod", grace);
      return this;
    }

    /**
     * The largest rate error of the client's clock against the leader's (0.01 = 1 %, the default).
     * The local lease is shortened by it so that it ends before the cell's.
     */
    public Builder clockDriftBound(double bound) {
      if (!(bound >= 0 && bound < 0.5)) {
        throw new IllegalArgumentException("clockDriftBound must be in [0, 0.5)");
      }
      this.clockDriftBound = bound;
      return this;
    }

    /** Bounds of the wait between rounds of failed attempts (default 20 ms to 1 s, jittered). */
    public Builder backoff(Duration min, Duration max) {
      positive("backoff min", min);
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("backoff max must be at least min");
      }
      this.backoffMin = min;
      this.backoffMax = max;
      return this;
    }

    /** At most this many mutations wait on the session at once (default 10,000). */
    public Builder maxQueuedPerSession(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxQueuedPerSession must be at least 1");
      }
      this.maxQueuedPerSession = max;
      return this;
    }

    /**
     * Caches up to {@code maxEntries} files' contents in the session, Chubby-style (default 0: no
     * cache). {@link #getContents} then answers from the cache when it can. The cache is
     * consistent: the leader acknowledges a write only after every session caching the file dropped
     * it (or its lease ran out), so a read never returns contents older than an acknowledged write.
     * The price is paid by writers: a write to a cached file waits for one round trip to each
     * caching client. Between a write's apply and its acknowledgement, readers may see either
     * contents.
     *
     * <pre>{@code
     * LockClient client = LockClient.builder().endpoints(endpoints).cache(10_000).build();
     * NodeData config = client.getContents("/config/service"); // the leader, then the cache
     * }</pre>
     */
    public Builder cache(int maxEntries) {
      if (maxEntries < 0) {
        throw new IllegalArgumentException("cache size must not be negative");
      }
      this.cacheMaxEntries = maxEntries;
      return this;
    }

    /**
     * Talk TLS to a cell whose certificates chain to the CA in {@code ca} (PEM), presenting the
     * client certificate {@code cert} and its key {@code key} (PEM, unencrypted PKCS#8): what a
     * cell started with {@code --client-auth require} (the default with TLS) needs. The cell knows
     * the client by its certificate's subject CN (docs/security.md, "Identities"). The endpoint's
     * host must be named by the replica certificates (their IP or DNS subject alternative names).
     *
     * <p>The files are read and checked now (IllegalArgumentException names a bad one). A failed
     * TLS handshake fails the call at once with UNAVAILABLE and a message that says what was wrong
     * (an untrusted server certificate, a host name mismatch, an expired certificate, a refused
     * client certificate), instead of being retried until the operation timeout.
     *
     * <pre>{@code
     * LockClient client = LockClient.builder()
     *     .endpoints("db1.example.com:7101,db2.example.com:7101,db3.example.com:7101")
     *     .tls(Path.of("ca.pem"), Path.of("alice.pem"), Path.of("alice-key.pem"))
     *     .build();
     * }</pre>
     */
    public Builder tls(Path ca, Path cert, Path key) {
      Objects.requireNonNull(cert, "cert");
      Objects.requireNonNull(key, "key");
      return channelFactory(NettyChannels.tls(ClientTls.of(ca, cert, key)));
    }

    /**
     * Talk TLS, trusting the CA in {@code ca} (PEM), without a client certificate: for a cell
     * started with {@code --client-auth optional} or {@code none}; the cell sees an anonymous
     * client.
     */
    public Builder tls(Path ca) {
      return channelFactory(NettyChannels.tls(ClientTls.of(ca, null, null)));
    }

    /**
     * {@link #tls(Path, Path, Path)} with the PEM text in memory (from a secret store, say); {@code
     * cert} and {@code key} may both be null for no client certificate.
     */
    public Builder tls(byte[] ca, byte[] cert, byte[] key) {
      return channelFactory(NettyChannels.tls(ClientTls.of(ca, cert, key)));
    }

    /**
     * {@link #tls(Path, Path, Path)} reading the PEM text from streams, which are read to their end
     * and closed now; {@code cert} and {@code key} may both be null for no client certificate.
     */
    public Builder tls(InputStream ca, InputStream cert, InputStream key) {
      return channelFactory(NettyChannels.tls(ClientTls.of(ca, cert, key)));
    }

    /**
     * How channels are made (TLS, interceptors, in-process transport for tests). Clients share
     * channels only if they are given the same factory instance (or equal ones: {@link #tls}
     * factories with the same material are equal).
     */
    public Builder channelFactory(ChannelFactory factory) {
      this.channelFactory = factory;
      return this;
    }

    /**
     * Whether this client shares its threads and channels with the other clients of this JVM that
     * are built for the same endpoints (in any order), with the same channel factory instance and
     * the same {@link #loopThreads}, {@link #callbackThreads} and {@link #sessionsPerChannel}
     * (default true). Shared, a thousand clients (a thousand sessions) cost one connection per
     * replica and {@code loopThreads + callbackThreads} threads instead of a thousand of each; the
     * last of them to close shuts the channels down and stops the threads. Each client's state
     * stays confined to one loop thread either way. False gives the client its own channels, one
     * loop thread and one callback thread, as if it were alone.
     *
     * <pre>{@code
     * LockClient.Builder b = LockClient.builder().endpoints(endpoints);
     * List<LockClient> sessions = new ArrayList<>();
     * for (int i = 0; i < 1000; i++) {
     *   sessions.add(b.clientName("tenant-" + i).build()); // one connection per replica in all
     * }
     * LockClient alone = b.sharedRuntime(false).build();   // its own connection and threads
     * }</pre>
     */
    public Builder sharedRuntime(boolean shared) {
      this.sharedRuntime = shared;
      return this;
    }

    /**
     * Loop threads of a shared runtime (default 1). Each client is pinned to one of them (the one
     * with the fewest clients); more than one lets the protocol work of many busy clients use more
     * cores. One loop thread runs tens of thousands of calls per second.
     */
    public Builder loopThreads(int threads) {
      this.loopThreads = atLeastOne("loopThreads", threads);
      return this;
    }

    /**
     * Threads of a shared runtime that run user code: listeners and future continuations (default
     * 2). Each client's callbacks still run one at a time in its delivery order. A callback that
     * takes long holds up other clients' callbacks while every one of these threads is busy, so
     * keep callbacks short or hand long work to your own executor.
     */
    public Builder callbackThreads(int threads) {
      this.callbackThreads = atLeastOne("callbackThreads", threads);
      return this;
    }

    /**
     * At most this many clients of a shared runtime use one channel (one connection) to a replica
     * (default 256); more clients get another set of channels. Every client keeps one session whose
     * KeepAlive stream stays open to the leader: the bound keeps such long-lived streams well below
     * a server's limit of concurrent calls per connection.
     */
    public Builder sessionsPerChannel(int sessions) {
      this.sessionsPerChannel = atLeastOne("sessionsPerChannel", sessions);
      return this;
    }

    /** Tests: a clock they drive by hand. */
    Builder clock(Function<Loop, ClientClock> clock) {
      this.clock = clock;
      return this;
    }

    /** Tests: a fixed seed for the backoff jitter. */
    Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Tests only (the deterministic simulation): run the client's loop tasks on {@code loopTasks}
     * and its callbacks on {@code callbacks} instead of threads (the client shares nothing). Each
     * executor must run its tasks one at a time in the order given; a simulation runs both on its
     * one event queue. Give a {@link #clock} too (its timers must run through the loop); a loop
     * task that throws is also reported to {@code loopFailures}. Such a client must be used through
     * {@link #async} only: nothing can block, and {@link LockClient#close} would wait for tasks
     * that only the caller's thread can run.
     */
    Builder execution(Executor loopTasks, Executor callbacks, Consumer<Throwable> loopFailures) {
      this.loopTasks = loopTasks;
      this.callbacks = callbacks;
      this.loopFailures = loopFailures;
      return this;
    }

    public LockClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("no endpoints: give at least one host:port");
      }
      if (attemptTimeout.compareTo(operationTimeout) > 0) {
        attemptTimeout = operationTimeout;
      }
      if (clientName == null) {
        clientName = defaultClientName(System::getenv, ProcessHandle.current().pid());
      }
      return new LockClient(this);
    }

    /** The runtime this client attaches to, retained for it. */
    private ClientRuntime runtime(String ownName) {
      if (loopTasks != null) {
        ClientRuntime r =
            ClientRuntime.outside(ownName, channelFactory, loopTasks, callbacks, loopFailures);
        r.retain();
        return r;
      }
      if (!sharedRuntime) {
        ClientRuntime r = new ClientRuntime(ownName, channelFactory, 1, 1, sessionsPerChannel);
        r.retain();
        return r;
      }
      return SharedRuntimes.retain(
          new SharedRuntimes.Key(
              endpoints, channelFactory, loopThreads, callbackThreads, sessionsPerChannel));
    }

    private static int atLeastOne(String name, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(name + " must be at least 1");
      }
      return n;
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }

    private static Duration nonNegative(String name, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative");
      }
      return d;
    }

    /**
     * The name a client gets unless {@link #clientName} is set: {@code $HOSTNAME:pid} when the
     * environment names the host (shells, containers and Kubernetes set it), else {@code java-pid}.
     * Never a DNS lookup: resolving the local host name can stall for seconds when the resolver is
     * slow or absent. An application that wants the resolved name asks for it: {@code
     * .clientName(InetAddress.getLocalHost().getHostName())}.
     */
    static String defaultClientName(Function<String, String> env, long pid) {
      String host = env.apply("HOSTNAME");
      if (host == null || host.isBlank()) {
        return "java-" + pid;
      }
      return host.strip() + ":" + pid;
    }
  }
}
