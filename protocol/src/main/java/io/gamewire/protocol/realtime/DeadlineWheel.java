package io.gamewire.protocol.realtime;

import java.util.function.Consumer;

/**
 * A hashed timing wheel of deadlines, one per node, for a server's connections: scheduling,
 * rescheduling and firing are O(1) per node, so a server's timer does not walk every connection
 * (docs/PROTOCOL.md section 8).
 *
 * <p>Time is split into ticks of {@value #TICK_SHIFT}-bit nanosecond units (about 1.05 ms) and the
 * wheel holds {@value #BUCKETS} ticks (about 1.07 s) ahead of its cursor. A deadline further out
 * sits in the last bucket and is looked at again when that bucket comes round: the wheel is lazy
 * about late deadlines, and so is {@link #schedule}, which only moves a node when its new deadline
 * is earlier than the one it holds. A node whose deadline moved later is found early, checked and
 * put back. So a node fires at or after its deadline, and at most one tick after it once {@link
 * #expire} is called on time.
 *
 * <p>Nodes are linked intrusively ({@link Node}): nothing is allocated after construction. Not
 * thread-safe.
 */
final class DeadlineWheel<T extends DeadlineWheel.Node> {
  static final int TICK_SHIFT = 20;
  static final int BUCKETS = 1024;
  private static final int MASK = BUCKETS - 1;

  /** What the wheel keeps in a node; a subclass is the caller's record (a connection slot). */
  static class Node {
    Node prev;
    Node next;
    long deadline = Long.MAX_VALUE;
    long tick;
    boolean scheduled;

    final boolean isScheduled() {
      return scheduled;
    }

    final long deadline() {
      return deadline;
    }
  }

  private final Node[] heads = new Node[BUCKETS];
  private Node[] walked = new Node[64]; // expire's scratch list, grown to the largest batch
  private boolean started;
  private long cursor; // the tick expire reached; buckets hold ticks cursor .. cursor + BUCKETS - 1
  private int size;
  private long earliest = Long.MAX_VALUE; // a lower bound of every scheduled deadline, or MAX
  private boolean earliestExact = true;

  /** Nodes on the wheel. */
  int size() {
    return size;
  }

  /**
   * Asks for {@code node} to fire at {@code deadlineNanos}; {@link Long#MAX_VALUE} takes it off the
   * wheel. A node already due earlier keeps its earlier time (it is re-checked when it fires).
   */
  void schedule(T node, long deadlineNanos) {
    if (deadlineNanos == Long.MAX_VALUE) {
      cancel(node);
      return;
    }
    if (node.scheduled && node.deadline <= deadlineNanos) {
      return;
    }
    if (!started) {
      started = true;
      cursor = deadlineNanos >> TICK_SHIFT;
    }
    unlink(node);
    link(node, deadlineNanos);
  }

  /** Takes {@code node} off the wheel (nothing if it is not on it). */
  void cancel(T node) {
    unlink(node);
    node.deadline = Long.MAX_VALUE;
  }

  /** The earliest scheduled deadline; {@link Long#MAX_VALUE} when the wheel is empty. */
  long nextDeadline() {
    if (size == 0) {
      return Long.MAX_VALUE;
    }
    if (!earliestExact) {
      recomputeEarliest();
    }
    return earliest;
  }

  /**
   * Fires every node whose deadline is at or before {@code nowNanos}: each is taken off the wheel
   * and handed to {@code fire}, which may schedule it (or others) again. Later nodes met on the way
   * are put back where they belong.
   */
  @SuppressWarnings("unchecked")
  void expire(long nowNanos, Consumer<T> fire) {
    if (!started || size == 0) {
      return;
    }
    // Before the cursor's tick only the cursor's bucket can hold due nodes (overdue ones).
    long nowTick = Math.max(cursor, nowNanos >> TICK_SHIFT);
    // Detach every bucket from the cursor up to now (at most one lap), move the cursor to now,
    // then fire or re-link: re-linked nodes and nodes that fire() schedules land at or after the
    // new cursor, and none of them is walked again in this call.
    long last = Math.min(nowTick, cursor + BUCKETS - 1);
    int count = 0;
    for (long t = cursor; t <= last; t++) {
      int b = (int) (t & MASK);
      Node n = heads[b];
      heads[b] = null;
      while (n != null) {
        Node next = n.next;
        n.prev = null;
        n.next = null;
        n.scheduled = false;
        size--;
        if (count == walked.length) {
          walked = java.util.Arrays.copyOf(walked, 2 * walked.length);
        }
        walked[count++] = n;
        n = next;
      }
    }
    cursor = nowTick;
    if (size == 0) {
      earliest = Long.MAX_VALUE;
      earliestExact = true;
    }
    for (int i = 0; i < count; i++) {
      Node n = walked[i];
      walked[i] = null;
      if (n.scheduled || n.deadline == Long.MAX_VALUE) {
        continue; // fire() of an earlier node scheduled or cancelled this one
      }
      if (n.deadline - nowNanos <= 0) {
        n.deadline = Long.MAX_VALUE;
        fire.accept((T) n);
      } else {
        link(n, n.deadline);
      }
    }
    earliestExact = false;
    if (size == 0) {
      earliest = Long.MAX_VALUE;
      earliestExact = true;
    }
  }

  private void link(Node node, long deadlineNanos) {
    long tick = deadlineNanos >> TICK_SHIFT;
    if (tick < cursor) {
      tick = cursor; // overdue: fire at the next expire
    } else if (tick > cursor + BUCKETS - 1) {
      tick = cursor + BUCKETS - 1; // beyond the horizon: looked at again when the lap comes round
    }
    int b = (int) (tick & MASK);
    Node head = heads[b];
    node.next = head;
    node.prev = null;
    if (head != null) {
      head.prev = node;
    }
    heads[b] = node;
    node.tick = tick;
    node.deadline = deadlineNanos;
    node.scheduled = true;
    size++;
    if (deadlineNanos < earliest) {
      earliest = deadlineNanos; // still a lower bound; exact if it was exact
    }
  }

  private void unlink(Node node) {
    if (!node.scheduled) {
      return;
    }
    int b = (int) (node.tick & MASK);
    if (node.prev != null) {
      node.prev.next = node.next;
    } else {
      heads[b] = node.next;
    }
    if (node.next != null) {
      node.next.prev = node.prev;
    }
    node.prev = null;
    node.next = null;
    node.scheduled = false;
    size--;
    if (node.deadline == earliest) {
      earliestExact = false; // the earliest may have gone; recompute when asked
    }
    if (size == 0) {
      earliest = Long.MAX_VALUE;
      earliestExact = true;
    }
  }

  /**
   * Walks the buckets from the cursor until the best deadline found is before the next bucket's
   * start: a node sits at its deadline's tick, in the cursor's bucket when overdue, or in the last
   * bucket when beyond the horizon (where its deadline is later than the bucket's start), so no
   * later bucket can hold an earlier deadline.
   */
  private void recomputeEarliest() {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < BUCKETS; i++) {
      long tick = cursor + i;
      if (best != Long.MAX_VALUE && best - (tick << TICK_SHIFT) < 0) {
        break;
      }
      for (Node n = heads[(int) (tick & MASK)]; n != null; n = n.next) {
        best = Math.min(best, n.deadline);
      }
    }
    earliest = best;
    earliestExact = true;
  }
}
