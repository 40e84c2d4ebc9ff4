package io.lockd.client;

import java.util.List;

/**
 * The cell's configuration as its leader knows it, or as a membership change made it.
 *
 * @param members every member in id order, voters and learners
 * @param pending true while the newest change is chosen but does not govern yet: the next change is
 *     refused until it does (a listing only; false after a change)
 * @param leaderId the leader that answered (a listing only; 0 after a change)
 * @param slot the log slot the change was chosen at (a change only; 0 for a listing)
 */
public record CellMembers(List<CellMember> members, boolean pending, int leaderId, long slot) {
  public CellMembers {
    members = List.copyOf(members);
  }

  /** The voters' ids, ascending. */
  public List<Integer> voterIds() {
    return members.stream().filter(CellMember::voter).map(CellMember::id).toList();
  }
}
