package io.gamewire.testkit;

/**
 * What happened on one direction of a {@link SimulatedNetwork} link (or, from {@link
 * SimulatedNetwork#totalStats()}, on all of them).
 *
 * <p>Counts are of datagrams unless named {@code bytes…}. {@code sent} counts calls to {@code
 * send}; {@code duplicated} counts the extra copies the link made. Every copy ends up delivered,
 * dropped or still in flight, so {@code sent + duplicated == delivered + dropped() + inFlight}.
 * {@code reorderDelayed} counts copies the link chose to hold back; {@code reordered} counts copies
 * that actually arrived after a datagram sent later on the same link (held-back copies and jitter
 * both cause it).
 */
public record LinkStats(
    long sent,
    long delivered,
    long duplicated,
    long reorderDelayed,
    long reordered,
    long droppedLoss,
    long droppedMtu,
    long droppedQueue,
    long droppedBlackout,
    long bytesSent,
    long bytesDelivered) {

  public static final LinkStats EMPTY = new LinkStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  public long dropped() {
    return droppedLoss + droppedMtu + droppedQueue + droppedBlackout;
  }

  LinkStats plus(LinkStats o) {
    return new LinkStats(
        sent + o.sent,
        delivered + o.delivered,
        duplicated + o.duplicated,
        reorderDelayed + o.reorderDelayed,
        reordered + o.reordered,
        droppedLoss + o.droppedLoss,
        droppedMtu + o.droppedMtu,
        droppedQueue + o.droppedQueue,
        droppedBlackout + o.droppedBlackout,
        bytesSent + o.bytesSent,
        bytesDelivered + o.bytesDelivered);
  }
}
