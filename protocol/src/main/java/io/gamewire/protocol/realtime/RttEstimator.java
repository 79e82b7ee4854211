package io.gamewire.protocol.realtime;

/**
 * Round-trip time of one connection, estimated from the RTT samples that acknowledgements give.
 *
 * <ul>
 *   <li><b>Smoothed RTT and variance</b> as RFC 6298 section 2 computes them: the first sample sets
 *       {@code srtt = R} and {@code rttvar = R / 2}; each later sample first updates {@code rttvar
 *       = 3/4 rttvar + 1/4 |srtt - R|} and then {@code srtt = 7/8 srtt + 1/8 R}.
 *   <li><b>Minimum RTT</b> over the whole connection, and a windowed minimum over roughly the last
 *       {@code minRttWindowNanos} (kept in eight time slots, so the window actually covered is
 *       between 7/8 of it and all of it). The windowed minimum lets a path that became longer stop
 *       looking congested once the old, shorter samples age out.
 *   <li><b>Jitter</b> in the spirit of RFC 3550 section 6.4.1: the mean deviation of consecutive
 *       samples, {@code J += (|R(i) - R(i-1)| - J) / 16}. It measures how much one round trip
 *       differs from the next, not how far samples stray from the average (that is {@code rttvar}).
 *   <li><b>PyGaSe latency</b>: PyGaSe 0.3.1's exponential average {@code latency += 0.1 (R -
 *       latency)}, starting from 0 as PyGaSe's does, kept in seconds because that is what the
 *       PyGaSe profile reports and what its 0.25 s quality threshold is compared with.
 * </ul>
 *
 * Samples that are not positive or longer than {@link #MAX_SAMPLE_NANOS} are ignored: they come
 * from clock trouble or from an acknowledgement matched to the wrong packet, never from a real
 * path. Primitive fields only; nothing is allocated after construction.
 */
public final class RttEstimator {
  /** Samples above this (60 s) are treated as garbage and ignored. */
  public static final long MAX_SAMPLE_NANOS = 60_000_000_000L;

  /**
   * RTO before the first sample: RFC 6298 (2.1) says 1 s, and PyGaSe times packets out after 1 s.
   */
  public static final long INITIAL_RTO_NANOS = 1_000_000_000L;

  /**
   * Default RTO floor, 50 ms. RFC 6298 asks for 1 s, far too slow for a game. Here a packet is
   * acknowledged in the header of the peer's next packet, and a peer on PyGaSe's bad rate (20 Hz)
   * sends one only every 50 ms; on a quiet, low-variance path (loopback, LAN) {@code srtt + 4
   * rttvar} can fall below that wait, and a smaller floor would resend messages that are merely
   * waiting for a ride home.
   */
  public static final long DEFAULT_MIN_RTO_NANOS = 50_000_000L;

  /**
   * Default RTO ceiling, 1 s: PyGaSe's package timeout. Game messages older than that are usually
   * stale, and resending a little early on a terrible path costs one duplicate, not a stall.
   */
  public static final long DEFAULT_MAX_RTO_NANOS = 1_000_000_000L;

  /** Default window of the windowed minimum, 10 s (the span BBR uses for its min-RTT filter). */
  public static final long DEFAULT_MIN_RTT_WINDOW_NANOS = 10_000_000_000L;

  private static final int SLOTS = 8;
  private static final double ALPHA = 1.0 / 8;
  private static final double BETA = 1.0 / 4;
  private static final double JITTER_GAIN = 1.0 / 16;
  private static final double PYGASE_WEIGHT = 0.1;
  private static final double NANOS_PER_SECOND = 1e9;

  private final long minRtoNanos;
  private final long maxRtoNanos;
  private final long slotNanos;
  private final long[] slotEpoch = new long[SLOTS];
  private final long[] slotMin = new long[SLOTS];

  private long samples;
  private double srtt;
  private double rttvar;
  private double jitter;
  private double pygaseLatencySeconds;
  private long latest;
  private long min;
  private long peerAckDelay;

  /** Reported ack delays above this (the ack-delay byte's range, 127.5 ms) are cut to it. */
  public static final long MAX_ACK_DELAY_NANOS = 127_500_000L;

  /** An estimator with the default RTO bounds and a 10 s min-RTT window. */
  public RttEstimator() {
    this(DEFAULT_MIN_RTO_NANOS, DEFAULT_MAX_RTO_NANOS, DEFAULT_MIN_RTT_WINDOW_NANOS);
  }

  /**
   * @param minRtoNanos floor of {@link #retransmitTimeoutNanos()}, positive
   * @param maxRtoNanos ceiling of {@link #retransmitTimeoutNanos()}, at least the floor
   * @param minRttWindowNanos span of {@link #windowedMinNanos(long)}; 0 makes it the connection's
   *     minimum
   */
  public RttEstimator(long minRtoNanos, long maxRtoNanos, long minRttWindowNanos) {
    if (minRtoNanos <= 0 || maxRtoNanos < minRtoNanos) {
      throw new IllegalArgumentException(
          "need 0 < minRtoNanos <= maxRtoNanos, was " + minRtoNanos + " and " + maxRtoNanos);
    }
    if (minRttWindowNanos < 0) {
      throw new IllegalArgumentException(
          "minRttWindowNanos must be >= 0 (0 = whole connection), was " + minRttWindowNanos);
    }
    this.minRtoNanos = minRtoNanos;
    this.maxRtoNanos = maxRtoNanos;
    this.slotNanos = minRttWindowNanos == 0 ? 0 : Math.max(1, minRttWindowNanos / SLOTS);
    java.util.Arrays.fill(slotEpoch, Long.MIN_VALUE);
  }

  /**
   * Takes one RTT sample measured at {@code nowNanos}. Returns false, changing nothing, if the
   * sample is not positive or longer than {@link #MAX_SAMPLE_NANOS}.
   */
  public boolean onSample(long nowNanos, long rttNanos) {
    return onSample(nowNanos, rttNanos, 0);
  }

  /**
   * Takes one RTT sample of which the peer reports it held the ack for {@code ackDelayNanos}
   * (QUIC's ack_delay, RFC 9002 section 5.3): the minimum takes the raw sample; the smoothed RTT,
   * variance and jitter take {@code rtt - ackDelay} when that is not below the minimum, else the
   * raw sample, so a report can shrink a sample but never below what the path has shown. The
   * largest recent delay ({@link #peerAckDelayNanos()}) is added to the retransmit timeout. Returns
   * false, changing nothing, if the sample is not positive or longer than {@link
   * #MAX_SAMPLE_NANOS}.
   */
  public boolean onSample(long nowNanos, long rttNanos, long ackDelayNanos) {
    if (rttNanos <= 0 || rttNanos > MAX_SAMPLE_NANOS) {
      return false;
    }
    long delay = Math.max(0, Math.min(ackDelayNanos, MAX_ACK_DELAY_NANOS));
    // A slowly fading maximum: the peer's delays vary with where a packet lands in its tick.
    peerAckDelay = Math.max(delay, peerAckDelay - (peerAckDelay >> 6));
    long minBefore = samples == 0 ? rttNanos : Math.min(min, rttNanos);
    long adjusted = rttNanos - delay >= minBefore ? rttNanos - delay : rttNanos;
    double r = adjusted;
    if (samples == 0) {
      srtt = r;
      rttvar = r / 2;
      min = rttNanos;
    } else {
      rttvar = (1 - BETA) * rttvar + BETA * Math.abs(srtt - r);
      srtt = (1 - ALPHA) * srtt + ALPHA * r;
      jitter += (Math.abs(r - latest) - jitter) * JITTER_GAIN;
      min = Math.min(min, rttNanos);
    }
    pygaseLatencySeconds += PYGASE_WEIGHT * (r / NANOS_PER_SECOND - pygaseLatencySeconds);
    latest = adjusted;
    samples++;
    if (slotNanos != 0) {
      long epoch = Math.floorDiv(nowNanos, slotNanos);
      int i = (int) Math.floorMod(epoch, (long) SLOTS);
      if (slotEpoch[i] != epoch) {
        slotEpoch[i] = epoch;
        slotMin[i] = rttNanos;
      } else if (rttNanos < slotMin[i]) {
        slotMin[i] = rttNanos;
      }
    }
    return true;
  }

  /** Whether at least one sample has been accepted. */
  public boolean hasSamples() {
    return samples != 0;
  }

  /** How many samples have been accepted. */
  public long sampleCount() {
    return samples;
  }

  /** Smoothed RTT (RFC 6298 SRTT), 0 before the first sample. */
  public long smoothedNanos() {
    return Math.round(srtt);
  }

  /** RTT variation (RFC 6298 RTTVAR, a mean deviation), 0 before the first sample. */
  public long varianceNanos() {
    return Math.round(rttvar);
  }

  /** The most recent accepted sample, 0 before the first. */
  public long latestNanos() {
    return latest;
  }

  /** The smallest sample over the whole connection, 0 before the first. */
  public long minNanos() {
    return min;
  }

  /**
   * The smallest sample of roughly the last window (see the class comment) as of {@code nowNanos};
   * the connection's minimum if the window is 0 or holds no sample; 0 before the first sample.
   */
  public long windowedMinNanos(long nowNanos) {
    if (slotNanos == 0) {
      return min;
    }
    long current = Math.floorDiv(nowNanos, slotNanos);
    long best = Long.MAX_VALUE;
    for (int i = 0; i < SLOTS; i++) {
      long age = current - slotEpoch[i];
      if (slotEpoch[i] != Long.MIN_VALUE && age >= 0 && age < SLOTS && slotMin[i] < best) {
        best = slotMin[i];
      }
    }
    return best == Long.MAX_VALUE ? min : best;
  }

  /**
   * The largest ack delay the peer reported lately (a maximum that fades by 1/64 per sample), 0
   * when it acks at once.
   */
  public long peerAckDelayNanos() {
    return peerAckDelay;
  }

  /** Mean deviation of consecutive samples (RFC 3550 style), 0 before the second sample. */
  public long jitterNanos() {
    return Math.round(jitter);
  }

  /** PyGaSe's latency: exponential average of samples with weight 0.1, from 0, in seconds. */
  public double pygaseLatencySeconds() {
    return pygaseLatencySeconds;
  }

  /**
   * How long to wait for an acknowledgement before calling a packet lost: {@code srtt + 4 rttvar}
   * raised to the floor, plus {@link #peerAckDelayNanos()}, capped at the ceiling; {@link
   * #INITIAL_RTO_NANOS} (clamped too) before the first sample.
   */
  public long retransmitTimeoutNanos() {
    long rto = samples == 0 ? INITIAL_RTO_NANOS : Math.round(srtt + 4 * rttvar);
    // The peer's ack delay comes on top of the floor (RFC 9002's PTO adds max_ack_delay): the floor
    // covers a peer that sends no ack-delay bytes; one that does may hold the ack that long.
    return Math.min(maxRtoNanos, Math.max(minRtoNanos, rto) + peerAckDelay);
  }
}
