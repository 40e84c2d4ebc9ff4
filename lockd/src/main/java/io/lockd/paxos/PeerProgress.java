package io.lockd.paxos;

/** What the leader last heard from one peer, for status pages and lag figures. */
public record PeerProgress(int replicaId, long chosenIndex, long lastContactAt) {}
