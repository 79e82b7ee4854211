package io.gamewire.protocol.stats;

/**
 * Traffic totals over an elapsed time, with the per-minute averages a game's HUD shows (total
 * divided by the minutes elapsed, as the seed game reports them).
 */
public record TrafficSnapshot(
    long bytesIn, long bytesOut, long packetsIn, long packetsOut, long elapsedNanos) {
  private static final double NANOS_PER_MINUTE = 60e9;

  /** Average bytes received per minute since the start; 0 before any time has passed. */
  public double bytesInPerMinute() {
    return perMinute(bytesIn);
  }

  /** Average bytes sent per minute since the start; 0 before any time has passed. */
  public double bytesOutPerMinute() {
    return perMinute(bytesOut);
  }

  public double packetsInPerMinute() {
    return perMinute(packetsIn);
  }

  public double packetsOutPerMinute() {
    return perMinute(packetsOut);
  }

  /** The sum of two snapshots (elapsed time: the longer one). */
  public TrafficSnapshot plus(TrafficSnapshot o) {
    return new TrafficSnapshot(
        bytesIn + o.bytesIn,
        bytesOut + o.bytesOut,
        packetsIn + o.packetsIn,
        packetsOut + o.packetsOut,
        Math.max(elapsedNanos, o.elapsedNanos));
  }

  private double perMinute(long total) {
    return elapsedNanos <= 0 ? 0 : total * NANOS_PER_MINUTE / elapsedNanos;
  }
}
