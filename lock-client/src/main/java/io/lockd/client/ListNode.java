package io.lockd.client;

/**
 * A node of an intrusive doubly linked list: linking and unlinking cost no allocation and no
 * search, so the loop can keep every pending timer and unfinished call of a client in a list (to
 * call them all off when the client closes) at no cost per timer or call beyond two fields. A plain
 * {@code ListNode} serves as a list's head. Not thread-safe: each list is loop-confined.
 */
class ListNode {
  private ListNode prev = this;
  private ListNode next = this;

  /** Links this node in right after {@code head}. */
  final void linkAfter(ListNode head) {
    prev = head;
    next = head.next;
    head.next.prev = this;
    head.next = this;
  }

  /** Takes this node out of its list; false if it was in none. */
  final boolean unlink() {
    if (next == this) {
      return false;
    }
    prev.next = next;
    next.prev = prev;
    prev = this;
    next = this;
    return true;
  }

  /** For a head: the first node of its list, or null if it is empty. */
  final ListNode first() {
    return next == this ? null : next;
  }
}
