package io.gamewire.demo;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * Client-side prediction with replay for the local player, without I/O: each {@link #step} walks
 * the predicted position at once and yields the input to send ({@code MOVE(dx, dy, seq)}, with
 * {@code seq} counting up from 1); {@link #reconcile} takes the server's position and the last
 * {@code seq} it processed, drops the acknowledged inputs and replays the others on top with the
 * server's own path rule ({@link TileGame#pathClear}). The server adds the same {@code dx, dy} to
 * the same position, so once every input is acknowledged the prediction equals the server's
 * position exactly; an input the server rejected is corrected by the next state, by that input's
 * step and no more (see docs/DEMO.md, "Prediction").
 *
 * <p>Not thread-safe: the owner ({@link TileClient}) holds a lock around it.
 */
public final class MovePrediction {
  /** Inputs in flight at most: a client whose server stops answering stops walking. */
  public static final int MAX_PENDING = 128;

  /** One input: step (dx, dy) in tiles, number {@code seq}. */
  public record Input(int seq, double dx, double dy) {}

  private final TileWorld world;
  private final double speed;
  private final double maxFrameSeconds;
  private final ArrayDeque<Input> pending = new ArrayDeque<>();
  private int nextSeq = 1;
  private boolean placed;
  private double x;
  private double y;
  private long corrections;
  private double largestCorrection;

  /**
   * @param speed walking speed in tiles per second (below the server's {@link TileGame#MAX_SPEED}
   *     for a client that should see no rejections)
   * @param maxFrameSeconds the longest frame a step covers, so a stalled client asks for no jump
   */
  public MovePrediction(TileWorld world, double speed, double maxFrameSeconds) {
    if (!(speed > 0) || !(maxFrameSeconds > 0)) {
      throw new IllegalArgumentException(
          "speed and maxFrameSeconds must be positive, were " + speed + ", " + maxFrameSeconds);
    }
    this.world = world;
    this.speed = speed;
    this.maxFrameSeconds = maxFrameSeconds;
  }

  /** Whether a position is known (the server has sent this player once). */
  public boolean placed() {
    return placed;
  }

  /** The predicted position, {x, y}, or null before the first {@link #reconcile}. */
  public double[] position() {
    return placed ? new double[] {x, y} : null;
  }

  /** Inputs sent and not acknowledged yet. */
  public int pending() {
    return pending.size();
  }

  /** The number the next input gets. */
  public int nextSeq() {
    return nextSeq;
  }

  /**
   * The server's word for this player: at ({@code serverX}, {@code serverY}) after input {@code
   * ackedSeq}. Drops inputs up to {@code ackedSeq} and replays the newer ones on top, each only if
   * its path is clear in {@code state} (as the server will check it).
   */
  public void reconcile(double serverX, double serverY, long ackedSeq, Map<Object, Object> state) {
    while (!pending.isEmpty() && pending.peekFirst().seq() <= ackedSeq) {
      pending.removeFirst();
    }
    boolean wasPlaced = placed;
    double beforeX = x;
    double beforeY = y;
    x = serverX;
    y = serverY;
    placed = true;
    for (Input in : pending) {
      double toX = x + in.dx();
      double toY = y + in.dy();
      if (TileGame.pathClear(world, state, x, y, toX, toY)) {
        x = toX;
        y = toY;
      }
    }
    double moved = Math.hypot(x - beforeX, y - beforeY);
    if (wasPlaced && moved > 1e-9) {
      corrections++;
      largestCorrection = Math.max(largestCorrection, moved);
    }
  }

  /** Reconciles that moved the prediction (the server disagreed with it), since the first. */
  public long corrections() {
    return corrections;
  }

  /** The largest such correction, in tiles. */
  public double largestCorrection() {
    return largestCorrection;
  }

  /**
   * Walks in direction (dirX, dirY) for {@code dt} seconds (at most the frame limit), sliding along
   * a blocked axis: the full step, else its x part, else its y part, whichever path is clear in
   * {@code state}. Moves the prediction and returns the input to send, or null when nothing moved
   * (blocked, no direction, not placed yet, or {@link #MAX_PENDING} inputs in flight).
   */
  public Input step(double dirX, double dirY, double dt, Map<Object, Object> state) {
    double len = Math.hypot(dirX, dirY);
    if (!placed || !(len > 0) || !(dt > 0) || pending.size() >= MAX_PENDING) {
      return null;
    }
    double scale = speed * Math.min(dt, maxFrameSeconds) / len;
    double[][] tries = {{dirX * scale, dirY * scale}, {dirX * scale, 0}, {0, dirY * scale}};
    for (double[] d : tries) {
      if ((d[0] != 0 || d[1] != 0) && TileGame.pathClear(world, state, x, y, x + d[0], y + d[1])) {
        Input in = new Input(nextSeq++, d[0], d[1]);
        pending.addLast(in);
        x += d[0];
        y += d[1];
        return in;
      }
    }
    return null;
  }
}
