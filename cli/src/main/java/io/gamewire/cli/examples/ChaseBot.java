package io.gamewire.cli.examples;

import java.util.List;
import java.util.Map;

/**
 * A headless chase player: the chaser runs at the nearest player, everyone else runs away from the
 * chaser, sliding along the walls instead of sticking in a corner.
 */
final class ChaseBot {
  /** Pixels per second, as the window client moves with the arrow keys. */
  static final double SPEED = 120;

  private ChaseBot() {}

  /** Where player {@code self} goes next in {@code dt} seconds, or null if it is not in play. */
  static double[] step(Map<Object, Object> state, long self, double dt) {
    Map<Object, Object> players = ChaseGame.players(state);
    if (!(players.get(self) instanceof Map<?, ?> me)) {
      return null;
    }
    double[] pos = position(me);
    Object chaserId = state.get("chaser_id");
    boolean chasing = chaserId instanceof Long c && c == self;
    double[] target = null;
    double best = Double.MAX_VALUE;
    for (Map.Entry<Object, Object> e : players.entrySet()) {
      if (e.getKey().equals(self)) {
        continue;
      }
      if (!chasing && !e.getKey().equals(chaserId)) {
        continue;
      }
      double[] p = position((Map<?, ?>) e.getValue());
      double d = (p[0] - pos[0]) * (p[0] - pos[0]) + (p[1] - pos[1]) * (p[1] - pos[1]);
      if (d < best) {
        best = d;
        target = p;
      }
    }
    if (target == null) {
      return pos;
    }
    double dx = target[0] - pos[0];
    double dy = target[1] - pos[1];
    double len = Math.max(1e-6, Math.hypot(dx, dy));
    double sign = chasing ? 1 : -1;
    double x = pos[0] + sign * dx / len * SPEED * dt;
    double y = pos[1] + sign * dy / len * SPEED * dt;
    return new double[] {
      ChaseGame.clamp(x, 0, ChaseGame.WIDTH), ChaseGame.clamp(y, 0, ChaseGame.HEIGHT)
    };
  }

  static double[] position(Map<?, ?> player) {
    List<?> p = (List<?>) player.get("position");
    return new double[] {ChaseGame.number(p.get(0)), ChaseGame.number(p.get(1))};
  }
}
