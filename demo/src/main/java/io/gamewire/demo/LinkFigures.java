package io.gamewire.demo;

import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.transport.GameClient;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * What a player's HUD shows about its link: ping, bytes sent and received (totals and per minute
 * over the last minute), the server's tick rate (from the state's {@code tick}) and the connection
 * quality. Call {@link #sample} about once a second or more often, from one thread.
 */
public final class LinkFigures {
  private record Sample(long nanos, long bytesIn, long bytesOut, long tick) {}

  private static final long MINUTE_NANOS = 60_000_000_000L;
  private final GameClient client;
  private final ArrayDeque<Sample> window = new ArrayDeque<>();
  private Sample newest;

  public LinkFigures(GameClient client) {
    this.client = client;
  }

  /** Takes a sample now. */
  public void sample(long nowNanos) {
    ConnectionStats s = client.stats();
    long tick = client.state().get("tick") instanceof Long t ? t : 0;
    newest = new Sample(nowNanos, s == null ? 0 : s.bytesIn(), s == null ? 0 : s.bytesOut(), tick);
    window.addLast(newest);
    while (window.size() > 2 && nowNanos - window.peekFirst().nanos > MINUTE_NANOS) {
      window.removeFirst();
    }
  }

  private double perSecond(java.util.function.ToLongFunction<Sample> f) {
    Sample first = window.peekFirst();
    if (first == null || newest.nanos == first.nanos) {
      return 0;
    }
    return (f.applyAsLong(newest) - f.applyAsLong(first)) * 1e9 / (newest.nanos - first.nanos);
  }

  public long bytesIn() {
    return newest == null ? 0 : newest.bytesIn;
  }

  public long bytesOut() {
    return newest == null ? 0 : newest.bytesOut;
  }

  public double bytesInPerMinute() {
    return perSecond(Sample::bytesIn) * 60;
  }

  public double bytesOutPerMinute() {
    return perSecond(Sample::bytesOut) * 60;
  }

  /** Server ticks per second seen in the state. */
  public double tickRate() {
    return perSecond(Sample::tick);
  }

  /** "good" or "bad" (congestion) with the loss, or "connecting". */
  public String quality() {
    ConnectionStats s = client.stats();
    if (s == null || !client.isConnected()) {
      return client.isConnected() ? "connecting" : "disconnected";
    }
    return String.format(
        Locale.ROOT,
        "%s, %.1f%% loss",
        s.quality().name().toLowerCase(Locale.ROOT),
        s.packetLossFraction() * 100);
  }

  /** One line: ping, bytes, tick rate, quality. */
  public String line() {
    return String.format(
        Locale.ROOT,
        "ping %.1f ms | sent %s (%s/min) | received %s (%s/min) | %.0f ticks/s | %s",
        Math.max(0, client.latencyMillis()),
        bytes(bytesOut()),
        bytes(bytesOutPerMinute()),
        bytes(bytesIn()),
        bytes(bytesInPerMinute()),
        tickRate(),
        quality());
  }

  /** 950 B, 12.3 kB, 4.5 MB. */
  public static String bytes(double n) {
    if (n < 1000) {
      return String.format(Locale.ROOT, "%.0f B", n);
    }
    if (n < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f kB", n / 1000);
    }
    return String.format(Locale.ROOT, "%.1f MB", n / 1_000_000);
  }
}
