package io.gamewire.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What one direction of a {@link SimulatedNetwork} link does to a datagram. Immutable; start from
 * {@link #ideal()} and change one property at a time with the {@code with…} methods.
 *
 * <p>How each property is applied, in the order the network applies them when a datagram is sent:
 *
 * <ol>
 *   <li><b>blackouts</b>: a datagram sent during a blackout, or one that would arrive during a
 *       blackout, is dropped. Blackouts are intervals of fake time ({@link FakeClock#nanos()}),
 *       start inclusive, end exclusive.
 *   <li><b>MTU</b>: a datagram whose payload is longer than {@code mtuBytes} is dropped. The figure
 *       is the UDP payload, not the IP packet.
 *   <li><b>loss</b>: each datagram is dropped independently with probability {@code loss} (no burst
 *       model; use blackouts for bursts).
 *   <li><b>bandwidth</b>: when {@code bandwidthBytesPerSecond > 0} the link transmits one datagram
 *       at a time, each taking {@code bytes / bandwidth} seconds, so a datagram waits for the ones
 *       sent before it. The waiting room holds {@code queueLimitBytes}; a datagram that does not
 *       fit is dropped (tail drop). {@code 0} means unlimited bandwidth and no queue.
 *   <li><b>duplication</b>: with probability {@code duplication} a second copy leaves together with
 *       the first and then travels on its own (its own jitter and reordering).
 *   <li><b>latency and jitter</b>: each copy arrives {@code latency + u} after it left the queue,
 *       with {@code u} drawn uniformly from {@code [-jitter, +jitter]}; the sum is clamped at zero.
 *       Jitter is drawn per datagram, so datagrams sent closer together than twice the jitter can
 *       swap places.
 *   <li><b>reordering</b>: with probability {@code reorder} a copy is held back by an extra delay
 *       drawn uniformly from {@code (0, reorderDelay]}, so that datagrams sent after it can
 *       overtake it.
 * </ol>
 */
public record LinkConditions(
    Duration latency,
    Duration jitter,
    double loss,
    double duplication,
    double reorder,
    Duration reorderDelay,
    int mtuBytes,
    long bandwidthBytesPerSecond,
    int queueLimitBytes,
    List<Blackout> blackouts) {

  /** No MTU limit. */
  public static final int UNLIMITED_MTU = Integer.MAX_VALUE;

  /** Bytes a bandwidth-limited link may hold waiting for transmission, unless told otherwise. */
  public static final int DEFAULT_QUEUE_LIMIT_BYTES = 64 * 1024;

  private static final LinkConditions IDEAL =
      new LinkConditions(
          Duration.ZERO,
          Duration.ZERO,
          0,
          0,
          0,
          Duration.ZERO,
          UNLIMITED_MTU,
          0,
          DEFAULT_QUEUE_LIMIT_BYTES,
          List.of());

  /** An interval of fake time, {@code [startNanos, endNanos)}, during which the link drops all. */
  public record Blackout(long startNanos, long endNanos) {
    public Blackout {
      if (endNanos < startNanos) {
        throw new IllegalArgumentException(
            "blackout ends (" + endNanos + ") before it starts (" + startNanos + ")");
      }
    }

    /** A blackout of {@code length} starting at {@code startNanos} of fake time. */
    public static Blackout of(long startNanos, Duration length) {
      return new Blackout(startNanos, startNanos + length.toNanos());
    }

    public boolean covers(long nanos) {
      return nanos >= startNanos && nanos < endNanos;
    }
  }

  public LinkConditions {
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(jitter, "jitter");
    Objects.requireNonNull(reorderDelay, "reorderDelay");
    requireNotNegative(latency, "latency");
    requireNotNegative(jitter, "jitter");
    requireNotNegative(reorderDelay, "reorderDelay");
    requireProbability(loss, "loss");
    requireProbability(duplication, "duplication");
    requireProbability(reorder, "reorder");
    if (reorder > 0 && reorderDelay.isZero()) {
      throw new IllegalArgumentException(
          "reordering needs an extra delay greater than zero: use withReorder(probability, delay)");
    }
    if (mtuBytes < 1) {
      throw new IllegalArgumentException("mtuBytes must be at least 1, got " + mtuBytes);
    }
    if (bandwidthBytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "bandwidthBytesPerSecond must be 0 (unlimited) or positive, got "
              + bandwidthBytesPerSecond);
    }
    if (queueLimitBytes < 0) {
      throw new IllegalArgumentException("queueLimitBytes must not be negative");
    }
    blackouts = List.copyOf(blackouts);
  }

  /** A perfect link: no delay, no loss, no limits. */
  public static LinkConditions ideal() {
    return IDEAL;
  }

  public LinkConditions withLatency(Duration oneWay) {
    return new LinkConditions(
        oneWay,
        jitter,
        loss,
        duplication,
        reorder,
        reorderDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        blackouts);
  }

  /** Uniform jitter: each datagram's delay is {@code latency ± up to jitter}. */
  public LinkConditions withJitter(Duration jitter) {
    return new LinkConditions(
        latency,
        jitter,
        loss,
        duplication,
        reorder,
        reorderDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        blackouts);
  }

  public LinkConditions withLoss(double probability) {
    return new LinkConditions(
        latency,
        jitter,
        probability,
        duplication,
        reorder,
        reorderDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        blackouts);
  }

  public LinkConditions withDuplication(double probability) {
    return new LinkConditions(
        latency,
        jitter,
        loss,
        probability,
        reorder,
        reorderDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        blackouts);
  }

  /**
   * With {@code probability}, a datagram is held back by an extra delay drawn uniformly from {@code
   * (0, maxExtraDelay]}.
   */
  public LinkConditions withReorder(double probability, Duration maxExtraDelay) {
    return new LinkConditions(
        latency,
        jitter,
        loss,
        duplication,
        probability,
        maxExtraDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        blackouts);
  }

  public LinkConditions withMtu(int bytes) {
    return new LinkConditions(
        latency,
        jitter,
        loss,
        duplication,
        reorder,
        reorderDelay,
        bytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        blackouts);
  }

  /** Caps the link at {@code bytesPerSecond}; {@code 0} removes the cap. */
  public LinkConditions withBandwidth(long bytesPerSecond) {
    return new LinkConditions(
        latency,
        jitter,
        loss,
        duplication,
        reorder,
        reorderDelay,
        mtuBytes,
        bytesPerSecond,
        queueLimitBytes,
        blackouts);
  }

  /** Bytes that may wait for transmission on a bandwidth-limited link before tail drop. */
  public LinkConditions withQueueLimit(int bytes) {
    return new LinkConditions(
        latency,
        jitter,
        loss,
        duplication,
        reorder,
        reorderDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        bytes,
        blackouts);
  }

  /** Adds a blackout of {@code length} starting at {@code startNanos} of fake time. */
  public LinkConditions withBlackout(long startNanos, Duration length) {
    return withBlackout(Blackout.of(startNanos, length));
  }

  public LinkConditions withBlackout(Blackout blackout) {
    List<Blackout> more = new ArrayList<>(blackouts);
    more.add(Objects.requireNonNull(blackout, "blackout"));
    return new LinkConditions(
        latency,
        jitter,
        loss,
        duplication,
        reorder,
        reorderDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        more);
  }

  public LinkConditions withoutBlackouts() {
    return new LinkConditions(
        latency,
        jitter,
        loss,
        duplication,
        reorder,
        reorderDelay,
        mtuBytes,
        bandwidthBytesPerSecond,
        queueLimitBytes,
        List.of());
  }

  /** Whether any blackout covers {@code nanos}. */
  public boolean blackedOutAt(long nanos) {
    for (Blackout b : blackouts) {
      if (b.covers(nanos)) {
        return true;
      }
    }
    return false;
  }

  private static void requireNotNegative(Duration d, String name) {
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, got " + d);
    }
  }

  private static void requireProbability(double p, String name) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " must be a probability in [0, 1], got " + p);
    }
  }
}
