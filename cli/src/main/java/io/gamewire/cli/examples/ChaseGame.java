package io.gamewire.cli.examples;

import io.gamewire.protocol.state.GameEvent;
import io.gamewire.transport.GameServer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * PyGaSe's chase game, server side. State: {@code players} (id → {@code {name, position}}), {@code
 * chaser_id}, {@code protection}, {@code countdown}. Events: {@code JOIN(player_name)} adds a
 * player (the first one chases) and answers the sender with {@code PLAYER_CREATED(player_id)};
 * {@code MOVE(player_id, new_position)} moves a player. The time step hands the chaser role to a
 * player within √15 of the chaser, then protects the new chaser for 5 seconds.
 */
public final class ChaseGame {
  public static final double WIDTH = 640;
  public static final double HEIGHT = 420;

  /** Squared catch distance: a player closer than √15 to the chaser is caught. */
  public static final double CATCH_DISTANCE_SQUARED = 15;

  public static final double PROTECTION_SECONDS = 5;

  private ChaseGame() {}

  /** The initial state. */
  public static Map<String, Object> initialState() {
    return Map.of("players", Map.of(), "chaser_id", -1L, "protection", false, "countdown", 0.0);
  }

  /**
   * A server builder with the chase game's state, time step and handlers; {@code log} gets the
   * lines PyGaSe's example prints ({@code NAME joined.}, {@code NAME has been caught}).
   */
  public static GameServer.Builder server(
      AtomicReference<GameServer> self, Consumer<String> log, long seed) {
    Random random = new Random(seed);
    return GameServer.builder()
        .initialState(initialState())
        .timeStep((state, dt) -> timeStep(state, dt, log))
        .on(
            "JOIN",
            (e, state, dt) -> {
              String name = String.valueOf(e.arg(0));
              long id = e.clientId();
              log.accept(name + " joined.");
              self.get().dispatch(e.clientId(), "PLAYER_CREATED", id);
              Map<String, Object> player =
                  Map.of(
                      "name",
                      name,
                      "position",
                      List.of(random.nextDouble() * WIDTH, random.nextDouble() * HEIGHT));
              long chaser = (Long) state.get("chaser_id");
              return Map.of("players", Map.of(id, player), "chaser_id", chaser < 0 ? id : chaser);
            })
        .on("MOVE", (e, state, dt) -> move(e, state))
        .on("LEAVE", (e, state, dt) -> leave(e, state));
  }

  private static Map<?, ?> move(GameEvent e, Map<Object, Object> state) {
    long id = e.longArg(0);
    if (id != e.clientId() || !players(state).containsKey(id)) {
      return Map.of(); // a client moves only its own player
    }
    if (!(e.arg(1) instanceof List<?> p) || p.size() != 2) {
      return Map.of();
    }
    double x = clamp(number(p.get(0)), 0, WIDTH);
    double y = clamp(number(p.get(1)), 0, HEIGHT);
    return Map.of("players", Map.of(id, Map.of("position", List.of(x, y))));
  }

  private static Map<?, ?> leave(GameEvent e, Map<Object, Object> state) {
    long id = e.clientId();
    Map<Object, Object> players = players(state);
    if (!players.containsKey(id)) {
      return Map.of();
    }
    if ((Long) state.get("chaser_id") != id) {
      return Map.of("players", Map.of(id, io.gamewire.protocol.state.StateTree.DELETE));
    }
    long next = -1;
    for (Object other : players.keySet()) {
      if ((Long) other != id) {
        next = (Long) other;
        break;
      }
    }
    return Map.of(
        "players", Map.of(id, io.gamewire.protocol.state.StateTree.DELETE), "chaser_id", next);
  }

  static Map<?, ?> timeStep(Map<Object, Object> state, double dt, Consumer<String> log) {
    Map<Object, Object> players = players(state);
    if (players.size() < 2) {
      return Map.of();
    }
    double countdown = (Double) state.get("countdown") - dt;
    if ((Boolean) state.get("protection")) {
      return countdown <= 0
          ? Map.of("countdown", 0.0, "protection", false)
          : Map.of("countdown", countdown);
    }
    Object chaserId = state.get("chaser_id");
    if (!(players.get(chaserId) instanceof Map<?, ?> chaser)) {
      return Map.of();
    }
    List<?> c = (List<?>) chaser.get("position");
    for (Map.Entry<Object, Object> entry : players.entrySet()) {
      if (entry.getKey().equals(chaserId)) {
        continue;
      }
      Map<?, ?> player = (Map<?, ?>) entry.getValue();
      List<?> p = (List<?>) player.get("position");
      double dx = number(c.get(0)) - number(p.get(0));
      double dy = number(c.get(1)) - number(p.get(1));
      if (dx * dx + dy * dy < CATCH_DISTANCE_SQUARED) {
        log.accept(player.get("name") + " has been caught");
        return Map.of(
            "chaser_id", entry.getKey(), "protection", true, "countdown", PROTECTION_SECONDS);
      }
    }
    return Map.of();
  }

  @SuppressWarnings("unchecked")
  static Map<Object, Object> players(Map<Object, Object> state) {
    Object p = state.get("players");
    return p instanceof Map<?, ?> m ? (Map<Object, Object>) m : Map.of();
  }

  static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  static double clamp(double v, double lo, double hi) {
    return Double.isNaN(v) ? lo : Math.max(lo, Math.min(hi, v));
  }
}
