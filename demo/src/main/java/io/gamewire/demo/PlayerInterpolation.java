package io.gamewire.demo;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Where to draw the other players: each at {@code renderTime = now - delay} (default {@value
 * #DEFAULT_DELAY_MILLIS} ms, two updates at 20 Hz), between the two buffered snapshots that bracket
 * it. Snapshots are stamped with the server's time (its tick × the tick period), so arrival jitter
 * does not bend the motion; the local clock is mapped onto the server's by the smallest {@code
 * arrival - serverTime} seen (the least delayed update), which may creep up by {@value
 * #OFFSET_CREEP_NANOS} ns per snapshot to follow clock drift. Past the newest snapshot a player is
 * extrapolated along its last motion for one period at most, then held. A snapshot not newer than
 * the newest one is ignored; a player missing from a snapshot has left and vanishes once the render
 * time reaches that snapshot. Each player keeps at most {@code bufferSize} snapshots.
 *
 * <p>No I/O and no clock reads: times come in as arguments. Not thread-safe.
 */
public final class PlayerInterpolation {
  public static final long DEFAULT_DELAY_MILLIS = 100;
  public static final int DEFAULT_BUFFER_SIZE = 8;
  static final long OFFSET_CREEP_NANOS = 10_000;

  private record Sample(long time, double x, double y) {}

  private static final class Track {
    final ArrayDeque<Sample> samples = new ArrayDeque<>();
    long leftAt = Long.MAX_VALUE;
  }

  private final long delayNanos;
  private final long periodNanos;
  private final int bufferSize;
  private final Map<Long, Track> tracks = new HashMap<>();
  private boolean any;
  private long newest;
  private long offset;

  /**
   * @param delayNanos how far behind the newest server time players are drawn
   * @param periodNanos the server's tick period (the longest extrapolation)
   * @param bufferSize snapshots kept per player, at least 2
   */
  public PlayerInterpolation(long delayNanos, long periodNanos, int bufferSize) {
    if (delayNanos < 0 || periodNanos <= 0 || bufferSize < 2) {
      throw new IllegalArgumentException(
          "need delay >= 0, period > 0 and a buffer of 2 or more, got "
              + delayNanos
              + ", "
              + periodNanos
              + ", "
              + bufferSize);
    }
    this.delayNanos = delayNanos;
    this.periodNanos = periodNanos;
    this.bufferSize = bufferSize;
  }

  /** The tile game's: {@value #DEFAULT_DELAY_MILLIS} ms behind, 20 Hz ticks. */
  public static PlayerInterpolation forTileGame() {
    return new PlayerInterpolation(
        DEFAULT_DELAY_MILLIS * 1_000_000L,
        1_000_000_000L / TileGame.TICK_RATE,
        DEFAULT_BUFFER_SIZE);
  }

  /**
   * Adds the snapshot of server time {@code serverNanos} that arrived at {@code arrivalNanos} (the
   * local clock): every player's position by id. Returns false, changing nothing, when it is not
   * newer than the newest snapshot so far (reordered or repeated).
   */
  public boolean add(long serverNanos, long arrivalNanos, Map<Long, double[]> positions) {
    if (any && serverNanos <= newest) {
      return false;
    }
    long sampleOffset = arrivalNanos - serverNanos;
    offset = any ? Math.min(offset + OFFSET_CREEP_NANOS, sampleOffset) : sampleOffset;
    any = true;
    newest = serverNanos;
    for (Map.Entry<Long, Track> e : tracks.entrySet()) {
      if (!positions.containsKey(e.getKey()) && e.getValue().leftAt == Long.MAX_VALUE) {
        e.getValue().leftAt = serverNanos;
      }
    }
    for (Map.Entry<Long, double[]> e : positions.entrySet()) {
      Track t = tracks.get(e.getKey());
      if (t == null || t.leftAt != Long.MAX_VALUE) {
        t = new Track(); // a new player, or one back under the same id: no motion from before
        tracks.put(e.getKey(), t);
      }
      double[] p = e.getValue();
      t.samples.addLast(new Sample(serverNanos, p[0], p[1]));
      while (t.samples.size() > bufferSize) {
        t.samples.removeFirst();
      }
    }
    return true;
  }

  /** The server time drawn at local time {@code nowNanos}. */
  public long renderTime(long nowNanos) {
    return nowNanos - offset - delayNanos;
  }

  /** Every player's position to draw at local time {@code nowNanos}, by id. */
  public Map<Long, double[]> at(long nowNanos) {
    Map<Long, double[]> out = new HashMap<>();
    if (!any) {
      return out;
    }
    long r = renderTime(nowNanos);
    for (Iterator<Map.Entry<Long, Track>> it = tracks.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Track> e = it.next();
      Track t = e.getValue();
      if (r >= t.leftAt) {
        it.remove();
        continue;
      }
      out.put(e.getKey(), position(t.samples, r));
    }
    return out;
  }

  private double[] position(ArrayDeque<Sample> samples, long r) {
    Sample first = samples.peekFirst();
    if (r <= first.time) {
      return new double[] {first.x, first.y};
    }
    Sample before = null;
    Sample prev = null;
    for (Sample s : samples) {
      if (s.time >= r) {
        return lerp(prev, s, r);
      }
      before = prev;
      prev = s;
    }
    // Past the newest snapshot: along the last motion for one period at most.
    if (before == null) {
      return new double[] {prev.x, prev.y};
    }
    long ahead = Math.min(r - prev.time, periodNanos);
    double f = (double) ahead / (prev.time - before.time);
    return new double[] {prev.x + (prev.x - before.x) * f, prev.y + (prev.y - before.y) * f};
  }

  private static double[] lerp(Sample a, Sample b, long r) {
    double f = (double) (r - a.time) / (b.time - a.time);
    return new double[] {a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f};
  }

  /** Snapshots buffered for a player (0 if none): for tests. */
  int buffered(long id) {
    Track t = tracks.get(id);
    return t == null ? 0 : t.samples.size();
  }
}
