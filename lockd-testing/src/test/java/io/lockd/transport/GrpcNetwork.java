package io.lockd.transport;

import io.lockd.testing.FreePorts;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A cell of {@link GrpcPeerTransport}s on loopback, for the contract tests. Ports are picked at run
 * time: each transport must know every peer's port before it starts, so the ports are found free
 * first and then bound; if another process takes one in between, the whole cell is retried.
 */
final class GrpcNetwork implements PeerTransportContract.Network {
  private static final int ATTEMPTS = 5;

  private final String cell;
  private final TransportLimits limits;
  private final SortedMap<Integer, String> addresses = new TreeMap<>();
  private final SortedMap<Integer, GrpcPeerTransport> endpoints = new TreeMap<>();
  private final SortedMap<Integer, Inbox> inboxes = new TreeMap<>();
  private final List<GrpcPeerTransport> everyEndpoint = new ArrayList<>();

  private GrpcNetwork(String cell, int[] ports, TransportLimits limits) {
    this.cell = cell;
    this.limits = limits;
    for (int i = 0; i < ports.length; i++) {
      addresses.put(i + 1, "127.0.0.1:" + ports[i]);
      inboxes.put(i + 1, new Inbox());
    }
  }

  static GrpcNetwork start(String cell, int replicas, TransportLimits limits) {
    UncheckedIOException lastFailure = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      GrpcNetwork net =
          new GrpcNetwork(
              cell,
              FreePorts.distinct(replicas).stream().mapToInt(Integer::intValue).toArray(),
              limits);
      try {
        for (int id = 1; id <= replicas; id++) {
          net.startEndpoint(id);
        }
        return net;
      } catch (UncheckedIOException e) {
        net.close();
        lastFailure = e;
      }
    }
    throw lastFailure;
  }

  GrpcPeerTransport transport(int id) {
    return endpoints.get(id);
  }

  /** Every endpoint this network has started, including those stopped or replaced since. */
  List<GrpcPeerTransport> everyEndpoint() {
    return List.copyOf(everyEndpoint);
  }

  @Override
  public PeerTransport endpoint(int id) {
    return endpoints.get(id);
  }

  @Override
  public Inbox inbox(int id) {
    return inboxes.get(id);
  }

  @Override
  public void stop(int id) {
    endpoints.get(id).close();
  }

  @Override
  public void restart(int id) {
    stop(id);
    UncheckedIOException lastFailure = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        startEndpoint(id);
        return;
      } catch (UncheckedIOException e) {
        lastFailure = e;
      }
    }
    throw lastFailure;
  }

  @Override
  public void close() {
    everyEndpoint.forEach(GrpcPeerTransport::close);
  }

  private void startEndpoint(int id) {
    String address = addresses.get(id);
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    GrpcPeerTransport t =
        new GrpcPeerTransport(
            cell, id, addresses, new InetSocketAddress("127.0.0.1", port), limits);
    everyEndpoint.add(t);
    endpoints.put(id, t);
    t.start(inboxes.get(id), inboxes.get(id)::lost);
  }
}
