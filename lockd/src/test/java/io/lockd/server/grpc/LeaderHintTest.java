package io.lockd.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.StatusRuntimeException;
import io.lockd.paxos.Membership;
import io.lockd.server.ServerError;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A follower's redirect names the leader's client address also when the leader is a member added
 * after the follower started (not in its --member list): clients follow it there (docs/client.md,
 * "Endpoints follow the cell's members").
 */
class LeaderHintTest {
  @Test
  void aHintNamesAMemberAddedAfterTheReplicaStarted() {
    GrpcErrors errors = new GrpcErrors(Map.of(1, "h1:1", 2, "h2:1", 3, "h3:1"));
    assertNull(leaderAddress(errors.toStatus(ServerError.notLeader(1, 6))));
    TreeMap<Integer, Membership.Member> members = new TreeMap<>();
    for (int id : new int[] {1, 2, 3}) {
      members.put(id, new Membership.Member(id, true, "", ""));
    }
    members.put(6, new Membership.Member(6, true, "h6:2", "h6:1"));
    errors.learn(new Membership(members));
    assertEquals("h6:1", leaderAddress(errors.toStatus(ServerError.notLeader(1, 6))));
    assertEquals("h2:1", leaderAddress(errors.toStatus(ServerError.notLeader(1, 2))));
  }

  private static String leaderAddress(StatusRuntimeException e) {
    return e.getTrailers().get(GrpcErrors.LEADER_ADDRESS);
  }
}
