package io.lockd.server.grpc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cell's static membership as given on the command line: {@code ID=PEER_ADDRESS,CLIENT_ADDRESS}
 * per member (several per value, space-separated), e.g. {@code 1=10.0.0.1:7111,10.0.0.1:7101}.
 * Parsing says exactly what is wrong.
 *
 * @param peers each member's peer address by id (replicas talk Paxos there)
 * @param clients each member's client address by id (clients and redirects use it)
 */
public record Members(SortedMap<Integer, String> peers, SortedMap<Integer, String> clients) {

  /** The largest replica id (ids share 16 bits of a ballot). */
  public static final int ID_MAX = 0xFFFF;

  public static Members parse(List<String> specs) {
    SortedMap<Integer, String> peers = new TreeMap<>();
    SortedMap<Integer, String> clients = new TreeMap<>();
    TreeSet<String> addresses = new TreeSet<>();
    for (String spec :
        specs.stream()
            .flatMap(v -> Arrays.stream(v.trim().split("\\s+")))
            .filter(v -> !v.isEmpty())
            .toList()) {
      int eq = spec.indexOf('=');
      int comma = spec.indexOf(',', Math.max(eq, 0));
      if (eq <= 0 || comma < 0 || spec.indexOf(',', comma + 1) >= 0) {
        throw new IllegalArgumentException(
            "member '"
                + spec
                + "' is not ID=PEER_HOST:PORT,CLIENT_HOST:PORT (e.g. 1=127.0.0.1:7111,127.0.0.1:7101)");
      }
      int id = parseId(spec.substring(0, eq), spec);
      String peer = checkAddress(spec.substring(eq + 1, comma), "peer address of member " + id);
      String client = checkAddress(spec.substring(comma + 1), "client address of member " + id);
      if (peers.containsKey(id)) {
        throw new IllegalArgumentException("member id " + id + " is given twice");
      }
      for (String address : List.of(peer, client)) {
        if (!addresses.add(address)) {
          throw new IllegalArgumentException(
              "address "
                  + address
                  + " is used twice: every member needs its own peer and client ports");
        }
      }
      peers.put(id, peer);
      clients.put(id, client);
    }
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("no members given: pass --member once per replica");
    }
    return new Members(peers, clients);
  }

  public List<Integer> ids() {
    return new ArrayList<>(peers.keySet());
  }

  private static int parseId(String text, String spec) {
    try {
      int id = Integer.parseInt(text.trim());
      if (id >= 1 && id <= ID_MAX) {
        return id;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "member '" + spec + "': id must be a number in [1, " + ID_MAX + "], was '" + text + "'");
  }

  /** Checks {@code host:port} (IPv6 hosts in brackets) and returns it unchanged. */
  public static String checkAddress(String address, String what) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? "" : address.substring(0, colon);
    if (colon <= 0 || host.isBlank() || (host.contains(":") && !host.startsWith("["))) {
      throw new IllegalArgumentException(
          what + " '" + address + "' is not HOST:PORT (IPv6 hosts in brackets: [::1]:7101)");
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port >= 1 && port <= 65535) {
        return address;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(what + " '" + address + "' has no valid port (1-65535)");
  }

  /** The host of a checked address, without IPv6 brackets. */
  public static String host(String address) {
    String host = address.substring(0, address.lastIndexOf(':'));
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  public static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
