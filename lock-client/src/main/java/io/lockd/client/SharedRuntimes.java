package io.lockd.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM's shared {@link ClientRuntime}s: clients built for the same endpoints (in any order),
 * with the same {@link ChannelFactory} instance and the same thread and channel settings share one.
 * A runtime is made for the first such client and forgotten when its last client closes; the next
 * client then makes a new one.
 */
final class SharedRuntimes {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Map<Key, ClientRuntime> RUNTIMES = new HashMap<>();
  private static final Map<ClientRuntime, Key> KEYS = new HashMap<>();

  /** What makes two clients' runtimes interchangeable. */
  record Key(
      List<String> endpoints,
      ChannelFactory factory,
      int loopThreads,
      int callbackThreads,
      int clientsPerChannel) {
    Key {
      endpoints = List.copyOf(new TreeSet<>(endpoints));
    }
  }

  private SharedRuntimes() {}

  /** The runtime for {@code key}, retained for one more client (made if there is none). */
  static synchronized ClientRuntime retain(Key key) {
    ClientRuntime r = RUNTIMES.get(key);
    if (r != null && r.retain()) {
      return r;
    }
    r =
        new ClientRuntime(
            "lockd-client-shared-" + COUNTER.incrementAndGet(),
            key.factory(),
            key.loopThreads(),
            key.callbackThreads(),
            key.clientsPerChannel());
    r.retain();
    RUNTIMES.put(key, r);
    KEYS.put(r, key);
    return r;
  }

  /** A runtime lost its last client: the next client with its key makes a new one. */
  static synchronized void forget(ClientRuntime r) {
    Key key = KEYS.remove(r);
    if (key != null) {
      RUNTIMES.remove(key, r);
    }
  }

  /** How many shared runtimes are alive (for tests). */
  static synchronized int count() {
    return RUNTIMES.size();
  }
}
