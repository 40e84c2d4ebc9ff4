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
 * @param tickMillis the shortest interval between two ticks of the core (it is ticked when its next
 *     timer is due, not at a fixed rate)
 * @param cellSettings the settings every member must share (the lease, the clock drift bound, the
 *     state machine's limits) as {@code key=value,...}: peers that announce others are refused; ""
 *     compares none
 */
public record RuntimeConfig(
    String cell,
    PaxosConfig paxos,
    Map<Integer, String> peers,
    InetSocketAddress peerListen,
    Path dataDir,
    ReplicaOptions options,
    long tickMillis,
    String cellSettings) {

  public RuntimeConfig {
    peers = Map.copyOf(peers);
    cellSettings = cellSettings == null ? "" : cellSettings;
  }

  /** A replica whose peers' settings are not compared. */
  public RuntimeConfig(
      String cell,
      PaxosConfig paxos,
      Map<Integer, String> peers,
      InetSocketAddress peerListen,
      Path dataDir,
      ReplicaOptions options,
      long tickMillis) {
    this(cell, paxos, peers, peerListen, dataDir, options, tickMillis, "");
  }

  /** The same, with the settings to compare with every peer's. */
  public RuntimeConfig withCellSettings(String settings) {
    return new RuntimeConfig(
        cell, paxos, peers, peerListen, dataDir, options, tickMillis, settings);
  }
}
