package io.gamewire.protocol.realtime;

/**
 * Congestion avoidance for one connection, sans-I/O: the connection reports what it sent, what was
 * acknowledged (with the RTT sample) and what was lost, calls {@link #update(long)} from its timer,
 * and reads back how often and how much it may send. Time is always an argument; nothing here reads
 * a clock, and nothing is allocated after construction except by {@link #snapshot}.
 *
 * <p><b>The send rate: PyGaSe's good/bad switch</b> (PyGaSe 0.3.1, {@code
 * Connection._throttling_state_machine}), run every {@code checkIntervalNanos} on the PyGaSe
 * latency of {@link RttEstimator}:
 *
 * <ul>
 *   <li>quality GOOD and latency above the threshold: quality turns BAD and the send interval turns
 *       bad (20 Hz) at once; if the last quality change (the previous recovery, or the start of the
 *       connection) was less than the throttle time ago, the throttle time doubles, at most to the
 *       maximum; the time of this change is remembered;
 *   <li>quality GOOD otherwise, and more than the throttle time since the last good milestone: the
 *       send interval turns good (40 Hz), the throttle time halves, at least to the minimum, and
 *       this check becomes the new milestone (so a long good period keeps halving it);
 *   <li>quality BAD and latency below the threshold: quality turns GOOD at once, but the send
 *       interval stays bad; both the last quality change and the good milestone become now, so the
 *       rate returns to good only after more than one throttle time of good quality.
 * </ul>
 *
 * <p><b>The send budget</b>, in bytes per second, a rate-based AIMD in the manner of TCP Reno:
 *
 * <ul>
 *   <li>slow start: every acknowledged byte adds {@code bytes / srtt} to the budget, which doubles
 *       it per round trip while the sender actually uses it; it ends at the first loss event or RTT
 *       growth; afterwards the budget grows by {@code additiveIncreaseBytes / srtt} per round trip;
 *   <li>a loss event multiplies the budget by {@code lossReduction}; losses within one smoothed RTT
 *       (the RTO before any sample) of the loss that reduced the budget belong to that event;
 *   <li>RTT growth ({@code srtt > windowedMinRtt * rttGrowthFactor + rttGrowthMarginNanos})
 *       multiplies it by {@code rttGrowthReduction}, at most once per smoothed RTT, and stops
 *       growth while it lasts;
 *   <li>for one smoothed RTT after any reduction the budget does not grow (the acks arriving then
 *       describe the old rate); nor does it grow while the sender is application-limited, meaning
 *       the token bucket has not run short in the last {@code max(2 srtt, 4 burst)}: a game sending
 *       20 KB/s learns nothing about whether 2 MB/s would fit;
 *   <li>the budget stays within [{@code minBudgetBytesPerSecond}, {@code maxBudgetBytesPerSecond}].
 * </ul>
 *
 * <p><b>The token bucket</b> enforcing the budget holds at most {@code max(budget * burst,
 * maxDatagramBytes)} bytes and refills at the budget. Tokens are counted in byte-nanoseconds, as
 * integers, so over any interval the bytes that {@link #canSend} admitted never exceed {@code
 * budget * interval + capacity} exactly. Sends the connection must make anyway (keepalives,
 * disconnects) are charged too and may take the bucket into debt, delaying later sends.
 */
public final class CongestionController {
  /** PyGaSe's connection quality. */
  public enum Quality {
    GOOD,
    BAD
  }

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final double NANOS_PER_SECOND_D = 1e9;

  /**
   * Smallest RTT used in growth arithmetic (1 ms). On loopback srtt can be tens of microseconds,
   * and one acknowledgement would otherwise add tens of MB/s.
   */
  private static final long MIN_GROWTH_RTT_NANOS = 1_000_000L;

  private static final long MAX_DEBT_SCALED = Long.MIN_VALUE / 4;
  private static final int MAX_CHARGE_BYTES = 65_507;

  private final CongestionConfig config;
  private final RttEstimator rtt;
  private final LossMeter loss;
  private final long goodIntervalNanos;
  private final long badIntervalNanos;
  private final long datagramScaled;

  // PyGaSe switch
  private Quality quality = Quality.GOOD;
  private boolean badRate;
  private long throttleNanos;
  private long lastQualityChangeNanos;
  private long lastGoodMilestoneNanos;
  private long nextCheckNanos;

  // budget
  private double budget;
  private long budgetLong;
  private boolean slowStart = true;
  private long growthResumesNanos;
  private long lossEventEndsNanos;
  private boolean rttReducedOnce;
  private long lastRttReductionNanos;
  private boolean limitedSeen;
  private long lastLimitedNanos;

  // token bucket, in bytes * 1e9
  private long tokensScaled;
  private long capacityScaled;
  private long lastRefillNanos;

  // accounting
  private long bytesSent;
  private long packetsSent;
  private long bytesAcked;
  private long bytesLost;
  private double averagePacketBytes;

  /** A controller with {@link CongestionConfig#defaults()}, for a connection starting now. */
  public CongestionController(long nowNanos) {
    this(CongestionConfig.defaults(), nowNanos);
  }

  /** A controller for a connection that starts at {@code nowNanos}. */
  public CongestionController(CongestionConfig config, long nowNanos) {
    this.config = java.util.Objects.requireNonNull(config, "config");
    this.rtt =
        new RttEstimator(config.minRtoNanos(), config.maxRtoNanos(), config.minRttWindowNanos());
    this.loss = new LossMeter();
    this.goodIntervalNanos = Math.round(NANOS_PER_SECOND_D / config.goodSendRateHz());
    this.badIntervalNanos = Math.round(NANOS_PER_SECOND_D / config.badSendRateHz());
    this.datagramScaled = config.maxDatagramBytes() * NANOS_PER_SECOND;
    this.throttleNanos = config.minThrottleNanos();
    this.lastQualityChangeNanos = nowNanos;
    this.lastGoodMilestoneNanos = nowNanos;
    this.nextCheckNanos = nowNanos + config.checkIntervalNanos();
    this.growthResumesNanos = nowNanos;
    this.lossEventEndsNanos = nowNanos;
    this.lastRefillNanos = nowNanos;
    setBudget(config.initialBudgetBytesPerSecond());
    this.tokensScaled = capacityScaled;
  }

  // ---------------------------------------------------------------- inputs

  /**
   * A datagram of {@code bytes} left at {@code nowNanos}: counts it and charges it to the token
   * bucket (so do not also call {@link #consume} for it).
   */
  public void onPacketSent(long nowNanos, int bytes) {
    consume(nowNanos, bytes);
    bytesSent += bytes;
    packetsSent++;
    averagePacketBytes =
        packetsSent == 1 ? bytes : averagePacketBytes + (bytes - averagePacketBytes) / 8;
  }

  /**
   * A packet of {@code bytes} was acknowledged at {@code nowNanos}, {@code rttSampleNanos} after it
   * was sent. A sample the {@link RttEstimator} rejects still counts as an acknowledgement.
   */
  public void onPacketAcked(long nowNanos, int bytes, long rttSampleNanos) {
    onPacketAcked(nowNanos, bytes, rttSampleNanos, 0);
  }

  /**
   * As {@link #onPacketAcked(long, int, long)}, with the delay the peer reports between receiving
   * the packet and sending the ack ({@link RttEstimator#onSample(long, long, long)}).
   */
  public void onPacketAcked(long nowNanos, int bytes, long rttSampleNanos, long ackDelayNanos) {
    bytesAcked += bytes;
    loss.onAcked();
    rtt.onSample(nowNanos, rttSampleNanos, ackDelayNanos);
    if (!rtt.hasSamples()) {
      return;
    }
    long srtt = rtt.smoothedNanos();
    if (rttGrowing(nowNanos, srtt)) {
      if (!rttReducedOnce || nowNanos - lastRttReductionNanos >= srtt) {
        rttReducedOnce = true;
        lastRttReductionNanos = nowNanos;
        reduce(nowNanos, config.rttGrowthReduction());
      }
      return;
    }
    if (nowNanos - growthResumesNanos < 0 || applicationLimited(nowNanos, srtt)) {
      return;
    }
    double srttSeconds = Math.max(srtt, MIN_GROWTH_RTT_NANOS) / NANOS_PER_SECOND_D;
    // Slow start: a round trip acknowledges budget * srtt bytes, so the budget doubles per RTT.
    // Afterwards the same acks add additiveIncreaseBytes / srtt per RTT: TCP's one segment per
    // round trip, in rate form.
    double grown =
        slowStart
            ? budget + bytes / srttSeconds
            : budget
                + config.additiveIncreaseBytes()
                    * (double) bytes
                    / (budget * srttSeconds * srttSeconds);
    setBudget(grown);
  }

  /** A packet of {@code bytes} was declared lost at {@code nowNanos}. */
  public void onPacketLost(long nowNanos, int bytes) {
    bytesLost += bytes;
    loss.onLost();
    if (nowNanos - lossEventEndsNanos >= 0) {
      lossEventEndsNanos = nowNanos + reduce(nowNanos, config.lossReduction());
    }
  }

  /**
   * Runs PyGaSe's quality check if it is due (every {@code checkIntervalNanos} since the start);
   * between due times it changes nothing. Call it at least by {@link #nextUpdateNanos()}.
   */
  public void update(long nowNanos) {
    if (nowNanos - nextCheckNanos < 0) {
      return;
    }
    checkQuality(nowNanos);
    nextCheckNanos += config.checkIntervalNanos();
    if (nowNanos - nextCheckNanos >= 0) {
      nextCheckNanos = nowNanos + config.checkIntervalNanos(); // called late: restart the cadence
    }
  }

  /** Charges {@code bytes} to the token bucket without counting a packet; may leave it in debt. */
  public void consume(long nowNanos, int bytes) {
    if (bytes < 0 || bytes > MAX_CHARGE_BYTES) {
      throw new IllegalArgumentException("bytes must be a datagram size 0.." + MAX_CHARGE_BYTES);
    }
    refill(nowNanos);
    tokensScaled = Math.max(MAX_DEBT_SCALED, tokensScaled - bytes * NANOS_PER_SECOND);
    if (tokensScaled < datagramScaled) {
      markLimited(nowNanos);
    }
  }

  // ---------------------------------------------------------------- outputs

  /**
   * Whether the budget allows {@code bytes} more now. False for anything larger than the bucket
   * (which always holds at least {@code maxDatagramBytes}).
   */
  public boolean canSend(long nowNanos, int bytes) {
    refill(nowNanos);
    if (tokensScaled >= bytes * NANOS_PER_SECOND) {
      return true;
    }
    markLimited(nowNanos);
    return false;
  }

  /**
   * Nanoseconds from {@code nowNanos} until {@link #canSend} would allow {@code bytes}, assuming
   * the budget stays as it is; 0 if it already does, {@link Long#MAX_VALUE} if it never will.
   */
  public long nanosUntilSendable(long nowNanos, int bytes) {
    refill(nowNanos);
    long need = bytes * NANOS_PER_SECOND;
    if (tokensScaled >= need) {
      return 0;
    }
    if (need > capacityScaled) {
      return Long.MAX_VALUE;
    }
    long missing = need - tokensScaled;
    return (missing + budgetLong - 1) / budgetLong;
  }

  /** Current PyGaSe quality. */
  public Quality quality() {
    return quality;
  }

  /** Minimum spacing of unprompted packets: 1/good rate, or 1/bad rate while throttled. */
  public long sendIntervalNanos() {
    return badRate ? badIntervalNanos : goodIntervalNanos;
  }

  /** Current throttle time of PyGaSe's switch. */
  public long throttleNanos() {
    return throttleNanos;
  }

  /** When {@link #update(long)} next has work to do. */
  public long nextUpdateNanos() {
    return nextCheckNanos;
  }

  /** Current send budget in bytes per second. */
  public long budgetBytesPerSecond() {
    return budgetLong;
  }

  /** Whether the budget is still in slow start (no loss or RTT growth seen yet). */
  public boolean inSlowStart() {
    return slowStart;
  }

  /**
   * A snapshot rate for the game: the current send rate (good or bad), lowered to what the budget
   * affords at the average datagram size sent so far. Only a hint; never above the send rate.
   */
  public double recommendedSnapshotRateHz() {
    double rate = NANOS_PER_SECOND_D / sendIntervalNanos();
    if (averagePacketBytes <= 0) {
      return rate;
    }
    return Math.min(rate, budget / averagePacketBytes);
  }

  /** The RTT estimator this controller feeds (smoothed, minimum, jitter, PyGaSe latency, RTO). */
  public RttEstimator rtt() {
    return rtt;
  }

  /** Loss over the recent window of acknowledged and lost packets. */
  public LossMeter lossMeter() {
    return loss;
  }

  public long bytesSent() {
    return bytesSent;
  }

  public long packetsSent() {
    return packetsSent;
  }

  public long bytesAcked() {
    return bytesAcked;
  }

  public long bytesLost() {
    return bytesLost;
  }

  /**
   * Stats as this controller knows them, completed with what only the connection knows. Allocates
   * one record.
   */
  public ConnectionStats snapshot(long bytesIn, long packetsIn, int messagesPending) {
    return new ConnectionStats(
        rtt.smoothedNanos(),
        rtt.varianceNanos(),
        rtt.minNanos(),
        rtt.jitterNanos(),
        rtt.pygaseLatencySeconds(),
        loss.lossFraction(),
        bytesIn,
        bytesSent,
        packetsIn,
        packetsSent,
        messagesPending,
        quality,
        budgetLong,
        sendIntervalNanos());
  }

  // ---------------------------------------------------------------- internals

  private void checkQuality(long t) {
    double threshold = config.latencyThresholdNanos() / NANOS_PER_SECOND_D;
    double latency = rtt.pygaseLatencySeconds();
    if (quality == Quality.GOOD) {
      if (latency > threshold) {
        quality = Quality.BAD;
        badRate = true;
        if (t - lastQualityChangeNanos < throttleNanos) {
          long max = config.maxThrottleNanos();
          throttleNanos = throttleNanos > max / 2 ? max : throttleNanos * 2;
        }
        lastQualityChangeNanos = t;
      } else if (t - lastGoodMilestoneNanos > throttleNanos) {
        badRate = false;
        throttleNanos = Math.max(throttleNanos / 2, config.minThrottleNanos());
        lastGoodMilestoneNanos = t;
      }
    } else if (latency < threshold) {
      quality = Quality.GOOD;
      lastQualityChangeNanos = t;
      lastGoodMilestoneNanos = t;
    }
  }

  private boolean rttGrowing(long nowNanos, long srtt) {
    double limit =
        rtt.windowedMinNanos(nowNanos) * config.rttGrowthFactor() + config.rttGrowthMarginNanos();
    return srtt > limit;
  }

  private boolean applicationLimited(long nowNanos, long srtt) {
    long window = Math.max(2 * srtt, 4 * config.burstNanos());
    return !limitedSeen || nowNanos - lastLimitedNanos > window;
  }

  /** Lowers the budget and holds growth for one RTT; returns that RTT. */
  private long reduce(long nowNanos, double factor) {
    slowStart = false;
    setBudget(budget * factor);
    long span = rtt.hasSamples() ? rtt.smoothedNanos() : rtt.retransmitTimeoutNanos();
    long resumes = nowNanos + span;
    if (resumes - growthResumesNanos > 0) {
      growthResumesNanos = resumes;
    }
    return span;
  }

  private void markLimited(long nowNanos) {
    limitedSeen = true;
    lastLimitedNanos = nowNanos;
  }

  private void setBudget(double value) {
    double clamped =
        Math.min(
            config.maxBudgetBytesPerSecond(), Math.max(config.minBudgetBytesPerSecond(), value));
    budget = clamped;
    budgetLong = (long) clamped;
    capacityScaled = Math.max(budgetLong * config.burstNanos(), datagramScaled);
    if (tokensScaled > capacityScaled) {
      tokensScaled = capacityScaled;
    }
  }

  private void refill(long nowNanos) {
    long dt = nowNanos - lastRefillNanos;
    if (dt <= 0) {
      return;
    }
    lastRefillNanos = nowNanos;
    long room = capacityScaled - tokensScaled; // positive or zero, may exceed capacity after debt
    if (dt >= room / budgetLong + 1) {
      tokensScaled = capacityScaled;
    } else {
      tokensScaled += budgetLong * dt;
    }
  }
}
