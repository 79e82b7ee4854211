package io.gamewire.protocol.realtime;

/**
 * Settings of a {@link CongestionController}, validated on construction. {@link #defaults()} gives
 * PyGaSe 0.3.1's constants for the good/bad switch and game-sized defaults for the budget; {@link
 * #builder()} changes any of them.
 *
 * @param goodSendRateHz unprompted packets per second while the rate is good (PyGaSe: 40)
 * @param badSendRateHz unprompted packets per second while throttled (PyGaSe: 20)
 * @param latencyThresholdNanos PyGaSe latency above which quality turns bad (PyGaSe: 0.25 s)
 * @param minThrottleNanos shortest throttle time, also its start value (PyGaSe: 1 s)
 * @param maxThrottleNanos longest throttle time (PyGaSe: 60 s)
 * @param checkIntervalNanos cadence of the quality check (PyGaSe: half the minimum throttle, 0.5 s)
 * @param initialBudgetBytesPerSecond send budget of a new connection (256 KiB/s)
 * @param minBudgetBytesPerSecond the budget never falls below this (16 KiB/s), so keepalives, acks
 *     and a small game state always get through
 * @param maxBudgetBytesPerSecond the budget never grows above this (100 MB/s, so loopback
 *     benchmarks are not capped)
 * @param lossReduction budget multiplier on a loss event (0.5)
 * @param rttGrowthReduction budget multiplier when RTT grows, at most once per RTT (0.85)
 * @param rttGrowthFactor RTT counts as grown when {@code srtt > minRtt * factor + margin} (1.5)
 * @param rttGrowthMarginNanos the margin of that test (20 ms, about one Wi-Fi hiccup)
 * @param additiveIncreaseBytes after slow start, the budget grows by this many bytes per RTT, per
 *     RTT (one datagram: 1200), the way TCP grows its window by one segment per round trip
 * @param burstNanos the token bucket holds this much time's worth of budget (20 ms)
 * @param maxDatagramBytes largest datagram; the bucket always holds at least one (1200)
 * @param minRtoNanos floor of the retransmit timeout (see {@link RttEstimator})
 * @param maxRtoNanos ceiling of the retransmit timeout
 * @param minRttWindowNanos window of the minimum RTT that the RTT-growth test compares with; 0 =
 *     the connection's lifetime minimum
 */
public record CongestionConfig(
    double goodSendRateHz,
    double badSendRateHz,
    long latencyThresholdNanos,
    long minThrottleNanos,
    long maxThrottleNanos,
    long checkIntervalNanos,
    long initialBudgetBytesPerSecond,
    long minBudgetBytesPerSecond,
    long maxBudgetBytesPerSecond,
    double lossReduction,
    double rttGrowthReduction,
    double rttGrowthFactor,
    long rttGrowthMarginNanos,
    int additiveIncreaseBytes,
    long burstNanos,
    int maxDatagramBytes,
    long minRtoNanos,
    long maxRtoNanos,
    long minRttWindowNanos) {

  /** Budgets above this (1 GB/s) are refused so the token arithmetic cannot overflow. */
  public static final long MAX_SUPPORTED_BUDGET_BYTES_PER_SECOND = 1_000_000_000L;

  private static final CongestionConfig DEFAULTS = new Builder().build();

  public CongestionConfig {
    require(goodSendRateHz > 0 && goodSendRateHz <= 10_000, "goodSendRateHz in (0, 10000]");
    require(badSendRateHz > 0 && badSendRateHz <= goodSendRateHz, "0 < badSendRateHz <= good");
    require(latencyThresholdNanos > 0, "latencyThresholdNanos > 0");
    require(minThrottleNanos > 0 && maxThrottleNanos >= minThrottleNanos, "0 < minThrottle <= max");
    require(checkIntervalNanos > 0, "checkIntervalNanos > 0");
    require(minBudgetBytesPerSecond > 0, "minBudgetBytesPerSecond > 0");
    require(
        minBudgetBytesPerSecond <= initialBudgetBytesPerSecond
            && initialBudgetBytesPerSecond <= maxBudgetBytesPerSecond,
        "minBudget <= initialBudget <= maxBudget");
    require(
        maxBudgetBytesPerSecond <= MAX_SUPPORTED_BUDGET_BYTES_PER_SECOND, "maxBudget <= 1 GB/s");
    require(lossReduction > 0 && lossReduction < 1, "lossReduction in (0, 1)");
    require(rttGrowthReduction > 0 && rttGrowthReduction < 1, "rttGrowthReduction in (0, 1)");
    require(rttGrowthFactor >= 1, "rttGrowthFactor >= 1");
    require(rttGrowthMarginNanos >= 0, "rttGrowthMarginNanos >= 0");
    require(additiveIncreaseBytes > 0, "additiveIncreaseBytes > 0");
    require(burstNanos > 0 && burstNanos <= 1_000_000_000L, "burstNanos in (0, 1 s]");
    require(maxDatagramBytes > 0 && maxDatagramBytes <= 65_507, "maxDatagramBytes in (0, 65507]");
    require(minRtoNanos > 0 && maxRtoNanos >= minRtoNanos, "0 < minRtoNanos <= maxRtoNanos");
    require(minRttWindowNanos >= 0, "minRttWindowNanos >= 0");
  }

  private static void require(boolean ok, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("invalid congestion config: need " + rule);
    }
  }

  /** PyGaSe's switch constants and the default budget. */
  public static CongestionConfig defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.goodSendRateHz = goodSendRateHz;
    b.badSendRateHz = badSendRateHz;
    b.latencyThresholdNanos = latencyThresholdNanos;
    b.minThrottleNanos = minThrottleNanos;
    b.maxThrottleNanos = maxThrottleNanos;
    b.checkIntervalNanos = checkIntervalNanos;
    b.initialBudgetBytesPerSecond = initialBudgetBytesPerSecond;
    b.minBudgetBytesPerSecond = minBudgetBytesPerSecond;
    b.maxBudgetBytesPerSecond = maxBudgetBytesPerSecond;
    b.lossReduction = lossReduction;
    b.rttGrowthReduction = rttGrowthReduction;
    b.rttGrowthFactor = rttGrowthFactor;
    b.rttGrowthMarginNanos = rttGrowthMarginNanos;
    b.additiveIncreaseBytes = additiveIncreaseBytes;
    b.burstNanos = burstNanos;
    b.maxDatagramBytes = maxDatagramBytes;
    b.minRtoNanos = minRtoNanos;
    b.maxRtoNanos = maxRtoNanos;
    b.minRttWindowNanos = minRttWindowNanos;
    return b;
  }

  /** Mutable builder; every field starts at its default. */
  public static final class Builder {
    private double goodSendRateHz = 40;
    private double badSendRateHz = 20;
    private long latencyThresholdNanos = 250_000_000L;
    private long minThrottleNanos = 1_000_000_000L;
    private long maxThrottleNanos = 60_000_000_000L;
    private long checkIntervalNanos = 500_000_000L;
    private long initialBudgetBytesPerSecond = 256 * 1024;
    private long minBudgetBytesPerSecond = 16 * 1024;
    private long maxBudgetBytesPerSecond = 100_000_000L;
    private double lossReduction = 0.5;
    private double rttGrowthReduction = 0.85;
    private double rttGrowthFactor = 1.5;
    private long rttGrowthMarginNanos = 20_000_000L;
    private int additiveIncreaseBytes = 1200;
    private long burstNanos = 20_000_000L;
    private int maxDatagramBytes = 1200;
    private long minRtoNanos = RttEstimator.DEFAULT_MIN_RTO_NANOS;
    private long maxRtoNanos = RttEstimator.DEFAULT_MAX_RTO_NANOS;
    private long minRttWindowNanos = RttEstimator.DEFAULT_MIN_RTT_WINDOW_NANOS;

    private Builder() {}

    public Builder sendRatesHz(double good, double bad) {
      this.goodSendRateHz = good;
      this.badSendRateHz = bad;
      return this;
    }

    public Builder latencyThresholdNanos(long v) {
      this.latencyThresholdNanos = v;
      return this;
    }

    public Builder throttleNanos(long min, long max) {
      this.minThrottleNanos = min;
      this.maxThrottleNanos = max;
      return this;
    }

    public Builder checkIntervalNanos(long v) {
      this.checkIntervalNanos = v;
      return this;
    }

    public Builder budgetBytesPerSecond(long min, long initial, long max) {
      this.minBudgetBytesPerSecond = min;
      this.initialBudgetBytesPerSecond = initial;
      this.maxBudgetBytesPerSecond = max;
      return this;
    }

    public Builder lossReduction(double v) {
      this.lossReduction = v;
      return this;
    }

    public Builder rttGrowth(double factor, long marginNanos, double reduction) {
      this.rttGrowthFactor = factor;
      this.rttGrowthMarginNanos = marginNanos;
      this.rttGrowthReduction = reduction;
      return this;
    }

    public Builder additiveIncreaseBytes(int v) {
      this.additiveIncreaseBytes = v;
      return this;
    }

    public Builder burstNanos(long v) {
      this.burstNanos = v;
      return this;
    }

    public Builder maxDatagramBytes(int v) {
      this.maxDatagramBytes = v;
      return this;
    }

    public Builder rtoNanos(long min, long max) {
      this.minRtoNanos = min;
      this.maxRtoNanos = max;
      return this;
    }

    public Builder minRttWindowNanos(long v) {
      this.minRttWindowNanos = v;
      return this;
    }

    public CongestionConfig build() {
      return new CongestionConfig(
          goodSendRateHz,
          badSendRateHz,
          latencyThresholdNanos,
          minThrottleNanos,
          maxThrottleNanos,
          checkIntervalNanos,
          initialBudgetBytesPerSecond,
          minBudgetBytesPerSecond,
          maxBudgetBytesPerSecond,
          lossReduction,
          rttGrowthReduction,
          rttGrowthFactor,
          rttGrowthMarginNanos,
          additiveIncreaseBytes,
          burstNanos,
          maxDatagramBytes,
          minRtoNanos,
          maxRtoNanos,
          minRttWindowNanos);
    }
  }
}
