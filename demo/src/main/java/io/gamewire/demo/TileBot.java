package io.gamewire.demo;

import java.util.Map;
import java.util.Random;

/**
 * A headless player: {@link Mode#WANDER} walks a heading until blocked, {@link Mode#CHASE} walks at
 * the nearest other player, {@link Mode#BREAK} wanders and breaks every crate within reach.
 */
public final class TileBot {
  public enum Mode {
    WANDER,
    CHASE,
    BREAK
  }

  private final TileClient player;
  private final Mode mode;
  private final Random random;
  private double heading;
  private double headingSeconds;
  private int lastBreak = -1;
  private long lastBreakNanos;

  public TileBot(TileClient player, Mode mode, long seed) {
    this.player = player;
    this.mode = mode;
    this.random = new Random(seed);
    this.heading = random.nextDouble() * 2 * Math.PI;
  }

  public TileClient player() {
    return player;
  }

  public Mode mode() {
    return mode;
  }

  /** One step of {@code dt} seconds: maybe break a crate, then walk. */
  public void step(double dt, long nowNanos) {
    double[] me = player.position();
    if (me == null) {
      return;
    }
    if (mode == Mode.BREAK && breakNearby(me, nowNanos)) {
      return;
    }
    if (mode == Mode.CHASE) {
      double[] target = nearest(me);
      if (target != null && Math.hypot(target[0] - me[0], target[1] - me[1]) > 0.8) {
        if (player.move(target[0] - me[0], target[1] - me[1], dt)) {
          return;
        }
        heading = random.nextDouble() * 2 * Math.PI; // blocked: sidestep a while
        headingSeconds = 0.5;
      }
    }
    headingSeconds -= dt;
    if (headingSeconds <= 0) {
      heading += (random.nextDouble() - 0.5) * Math.PI / 2;
      headingSeconds = 1 + random.nextDouble() * 2;
    }
    if (!player.move(Math.cos(heading), Math.sin(heading), dt)) {
      heading = random.nextDouble() * 2 * Math.PI;
    }
  }

  private boolean breakNearby(double[] me, long nowNanos) {
    int px = (int) me[0];
    int py = (int) me[1];
    for (int y = py - 2; y <= py + 2; y++) {
      for (int x = px - 2; x <= px + 2; x++) {
        int index = player.world().index(Math.max(0, x), Math.max(0, y));
        if (index == lastBreak && nowNanos - lastBreakNanos < 500_000_000L) {
          continue; // asked already; the state has not caught up yet
        }
        if (player.breakTile(x, y)) {
          lastBreak = index;
          lastBreakNanos = nowNanos;
          return true;
        }
      }
    }
    return false;
  }

  private double[] nearest(double[] me) {
    double[] best = null;
    double bestDistance = Double.MAX_VALUE;
    for (Map.Entry<Long, double[]> e : player.others().entrySet()) {
      double[] p = e.getValue();
      double d = Math.hypot(p[0] - me[0], p[1] - me[1]);
      if (d < bestDistance) {
        bestDistance = d;
        best = p;
      }
    }
    return best;
  }
}
