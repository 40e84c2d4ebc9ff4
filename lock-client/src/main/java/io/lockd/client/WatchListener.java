package io.lockd.client;

/**
 * Receives a watch's events, one at a time, in log order, on the client's event thread. It must not
 * block: use {@code client.async()} for any call it makes.
 *
 * <pre>{@code
 * WatchListener l = e -> System.out.println(e);
 * try (Watch w = client.watch("/config", WatchKind.CHILDREN, l)) { ... }
 * }</pre>
 */
@FunctionalInterface
public interface WatchListener {
  void onEvent(WatchEvent event);
}
