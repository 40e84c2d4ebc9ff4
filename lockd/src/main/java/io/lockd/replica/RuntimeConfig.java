package io.lockd.replica;

import io.lockd.paxos.PaxosConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything needed to run one production replica.
 *
 * @param cell the cell's name; peers of another cell are refused
 * @param paxos protocol timing and limits (includes this replica's id and the membership)
 * @param peers every replica's peer address as {@code host:port}, by id
 * @param peerListen where this replica accepts peer streams
 * @param dataDir where the acceptor store lives
 * @param options driver settings
 * @param tickMillis the shortest interval between two ticks of the core (it is ticked when its
 *     next timer is due, not at a fixed rate)
 */
public record RuntimeConfig(
    String cell,
    PaxosConfig paxos,
    Map<Integer, String> peers,
    InetSocketAddress peerListen,
    Path dataDir,
    ReplicaOptions options,
    long tickMillis) {

  public RuntimeConfig {
    peers = Map.copyOf(peers);
  }
}
