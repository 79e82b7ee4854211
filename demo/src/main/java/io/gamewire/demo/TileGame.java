package io.gamewire.demo;

import io.gamewire.protocol.state.GameEvent;
import io.gamewire.protocol.state.StateTree;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The tile game's rules, server side and without I/O: the server is authoritative and checks every
 * join, move and tile break before it changes the state. Everything here runs on the game thread.
 *
 * <p>State: {@code tick} (the server's tick count), {@code players} (client id → {@code {name, x,
 * y, seq}}, positions in tiles, {@code seq} the last move processed) and {@code tiles} (tile index
 * → tile kind, only the tiles changed since the world was generated). Events from clients: {@code
 * JOIN(name)}, {@code MOVE(dx, dy, seq)} (a step and its input number), {@code BREAK(tx, ty)}.
 * Replies: {@code WELCOME(id, width, height, map)} ({@link TileWorld#compress}), {@code
 * JOIN_REFUSED(code, message)}, {@code MOVE_REJECTED(reason, seq)} (the next state corrects the
 * client) and {@code BREAK_REJECTED(reason)}. See {@code docs/DEMO.md}.
 */
public final class TileGame {
  /** Fastest a player may move, in tiles per second. */
  public static final double MAX_SPEED = 5.0;

  /** Movement a player may save up while idle or while its moves are delayed, in seconds. */
  public static final double MAX_BURST_SECONDS = 0.3;

  /** Farthest tile centre a player can break, in tiles from the player. */
  public static final double REACH = 2.0;

  public static final int DEFAULT_MAX_PLAYERS = 10;
  public static final int TICK_RATE = 20;
  public static final int MAX_NAME_LENGTH = 16;

  public static final String NAME_TAKEN = "name-taken";
  public static final String INVALID_NAME = "invalid-name";
  public static final String SERVER_FULL = "server-full";
  public static final String ALREADY_JOINED = "already-joined";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_NAME_LENGTH + "}");

  /** Where the rules send their replies (the server's dispatch, or a test's list). */
  @FunctionalInterface
  public interface Replies {
    void send(int clientId, String type, Object... args);
  }

  private final TileWorld world;
  private final byte[] map;
  private final int maxPlayers;
  private final Random random;
  private final Replies replies;

  /** Distance each player may still move, in tiles (the game thread's own bookkeeping). */
  private final Map<Long, Double> budget = new HashMap<>();

  private final AtomicLong ticks = new AtomicLong();
  private final AtomicLong rejectedMoves = new AtomicLong();
  private final AtomicLong rejectedBreaks = new AtomicLong();

  public TileGame(TileWorld world, int maxPlayers, long seed, Replies replies) {
    if (maxPlayers < 1) {
      throw new IllegalArgumentException("maxPlayers must be at least 1, was " + maxPlayers);
    }
    this.world = world;
    this.map = world.compress();
    this.maxPlayers = maxPlayers;
    this.random = new Random(seed);
    this.replies = replies;
  }

  public static Map<String, Object> initialState() {
    return Map.of("players", Map.of(), "tiles", Map.of());
  }

  public TileWorld world() {
    return world;
  }

  /** The compressed map each joining client gets. */
  public byte[] compressedMap() {
    return map.clone();
  }

  public long ticks() {
    return ticks.get();
  }

  public long rejectedMoves() {
    return rejectedMoves.get();
  }

  public long rejectedBreaks() {
    return rejectedBreaks.get();
  }

  /**
   * The time step: counts the tick (into the state's {@code tick}, so clients can show the tick
   * rate) and refills each player's movement budget.
   */
  public Map<?, ?> timeStep(Map<Object, Object> state, double dt) {
    long tick = ticks.incrementAndGet();
    double cap = MAX_SPEED * MAX_BURST_SECONDS;
    budget.replaceAll((id, b) -> Math.min(cap, b + MAX_SPEED * dt));
    return Map.of("tick", tick);
  }

  /** {@code JOIN(name)}: a unique valid name on a server with room, then a spawn on free ground. */
  public Map<?, ?> join(GameEvent e, Map<Object, Object> state) {
    int client = e.clientId();
    Map<Object, Object> players = players(state);
    String name = e.arg(0) instanceof String s ? s : null;
    String refusal = null;
    String code = null;
    if (players.containsKey((long) client)) {
      code = ALREADY_JOINED;
      refusal = "you have joined already";
    } else if (name == null || !NAME.matcher(name).matches()) {
      code = INVALID_NAME;
      refusal =
          "a name is 1.."
              + MAX_NAME_LENGTH
              + " letters, digits, '_' or '-'"
              + (name == null ? "" : ", not '" + printable(name) + "'");
    } else if (nameTaken(players, name)) {
      code = NAME_TAKEN;
      refusal = "the name '" + name + "' is taken; choose another";
    } else if (players.size() >= maxPlayers) {
      code = SERVER_FULL;
      refusal = "the server is full (" + maxPlayers + " players)";
    }
    if (code != null) {
      replies.send(client, "JOIN_REFUSED", code, refusal);
      return Map.of();
    }
    double[] spawn = spawn(state);
    budget.put((long) client, 0.0);
    replies.send(
        client, "WELCOME", (long) client, (long) world.width(), (long) world.height(), map);
    return Map.of(
        "players",
        Map.of((long) client, Map.of("name", name, "x", spawn[0], "y", spawn[1], "seq", 0L)));
  }

  private static boolean nameTaken(Map<Object, Object> players, String name) {
    for (Object p : players.values()) {
      if (p instanceof Map<?, ?> m && name.equalsIgnoreCase(String.valueOf(m.get("name")))) {
        return true;
      }
    }
    return false;
  }

  private static String printable(String s) {
    String cut = s.length() > 24 ? s.substring(0, 24) + "..." : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  /** Ground tiles a spawn must reach, so that nobody starts walled in. */
  static final int SPAWN_AREA = 40;

  /** Walkable tiles reachable from (x, y) by side steps, counted up to {@link #SPAWN_AREA}. */
  int openArea(Map<Object, Object> state, int x, int y) {
    java.util.ArrayDeque<Integer> todo = new java.util.ArrayDeque<>();
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    todo.add(world.index(x, y));
    seen.add(world.index(x, y));
    while (!todo.isEmpty() && seen.size() < SPAWN_AREA) {
      int i = todo.poll();
      int cx = i % world.width();
      int cy = i / world.width();
      int[][] next = {{cx + 1, cy}, {cx - 1, cy}, {cx, cy + 1}, {cx, cy - 1}};
      for (int[] n : next) {
        if (TileWorld.walkable(tile(world, state, n[0], n[1]))
            && seen.add(world.index(n[0], n[1]))) {
          todo.add(world.index(n[0], n[1]));
        }
      }
    }
    return seen.size();
  }

  private double[] spawn(Map<Object, Object> state) {
    for (int attempt = 0; attempt < 10_000; attempt++) {
      int x = random.nextInt(world.width());
      int y = random.nextInt(world.height());
      if (TileWorld.walkable(tile(world, state, x, y)) && openArea(state, x, y) >= SPAWN_AREA) {
        return new double[] {x + 0.5, y + 0.5};
      }
    }
    throw new IllegalStateException("the world has no free ground to spawn on");
  }

  /**
   * {@code MOVE(dx, dy, seq)}: a step of (dx, dy) tiles from where the server has the player, input
   * number {@code seq} of this client (above every earlier one). Accepted when the new position is
   * on the map, the straight path to it crosses only walkable tiles, and the distance fits the
   * player's movement budget ({@link #MAX_SPEED}, with at most {@link #MAX_BURST_SECONDS} saved
   * up). Accepted or not, a move with a valid {@code seq} becomes the player's {@code seq} in the
   * state: the client's acknowledgement, from which it replays its newer inputs.
   */
  public Map<?, ?> move(GameEvent e, Map<Object, Object> state) {
    long id = e.clientId();
    if (!(players(state).get(id) instanceof Map<?, ?> me)) {
      return Map.of(); // not joined: nothing to move
    }
    double fromX = (Double) me.get("x");
    double fromY = (Double) me.get("y");
    long lastSeq = me.get("seq") instanceof Long l ? l : 0;
    String reason = null;
    double x = Double.NaN;
    double y = Double.NaN;
    long seq = -1;
    if (!(e.arg(0) instanceof Double dx)
        || !(e.arg(1) instanceof Double dy)
        || !(e.arg(2) instanceof Long s)
        || !Double.isFinite(dx)
        || !Double.isFinite(dy)) {
      reason = "a move is MOVE(dx, dy, seq) with two finite floating-point numbers and an integer";
    } else if (s <= lastSeq || s > Integer.MAX_VALUE) {
      reason = "seq " + s + " is not above the last move's " + lastSeq;
    } else {
      seq = s;
      x = fromX + dx;
      y = fromY + dy;
      double distance = Math.hypot(dx, dy);
      if (!insideMap(x, y)) {
        reason = "off the map";
      } else if (distance > budget.getOrDefault(id, 0.0) + 1e-9) {
        reason = "too fast";
      } else if (!pathClear(state, fromX, fromY, x, y)) {
        reason = "blocked";
      } else {
        budget.merge(id, -distance, Double::sum);
      }
    }
    if (reason != null) {
      rejectedMoves.incrementAndGet();
      replies.send((int) id, "MOVE_REJECTED", reason, seq);
      return seq < 0 ? Map.of() : Map.of("players", Map.of(id, Map.of("seq", seq)));
    }
    return Map.of("players", Map.of(id, Map.of("x", x, "y", y, "seq", seq)));
  }

  private boolean insideMap(double x, double y) {
    return x >= 0 && y >= 0 && x < world.width() && y < world.height();
  }

  /** Whether every point of the segment, sampled every tenth of a tile, is on walkable ground. */
  public boolean pathClear(Map<Object, Object> state, double x0, double y0, double x1, double y1) {
    return pathClear(world, state, x0, y0, x1, y1);
  }

  static boolean pathClear(
      TileWorld world, Map<Object, Object> state, double x0, double y0, double x1, double y1) {
    int steps = Math.max(1, (int) Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 0.1));
    for (int i = 1; i <= steps; i++) {
      double x = x0 + (x1 - x0) * i / steps;
      double y = y0 + (y1 - y0) * i / steps;
      if (!TileWorld.walkable(tile(world, state, (int) Math.floor(x), (int) Math.floor(y)))) {
        return false;
      }
    }
    return true;
  }

  /** {@code BREAK(tx, ty)}: the tile must be breakable and its centre within {@link #REACH}. */
  public Map<?, ?> breakTile(GameEvent e, Map<Object, Object> state) {
    long id = e.clientId();
    if (!(players(state).get(id) instanceof Map<?, ?> me)) {
      return Map.of();
    }
    String reason = null;
    int tx = 0;
    int ty = 0;
    if (!(e.arg(0) instanceof Long lx) || !(e.arg(1) instanceof Long ly)) {
      reason = "a break is BREAK(tx, ty) with two integers";
    } else if (lx < 0 || ly < 0 || lx >= world.width() || ly >= world.height()) {
      reason = "off the map";
    } else {
      tx = lx.intValue();
      ty = ly.intValue();
      double dx = tx + 0.5 - (Double) me.get("x");
      double dy = ty + 0.5 - (Double) me.get("y");
      if (Math.hypot(dx, dy) > REACH) {
        reason = "out of reach";
      } else if (!TileWorld.breakable(tile(world, state, tx, ty))) {
        reason = "not breakable";
      }
    }
    if (reason != null) {
      rejectedBreaks.incrementAndGet();
      replies.send((int) id, "BREAK_REJECTED", reason);
      return Map.of();
    }
    return Map.of("tiles", Map.of((long) world.index(tx, ty), (long) TileWorld.GROUND));
  }

  /** A client left (the server raises {@code LEFT(client id)}): its player goes. */
  public Map<?, ?> leave(GameEvent e, Map<Object, Object> state) {
    if (e.clientId() != GameEvent.SERVER) {
      return Map.of(); // only the server says who left
    }
    long id = e.longArg(0);
    budget.remove(id);
    return players(state).containsKey(id)
        ? Map.of("players", Map.of(id, StateTree.DELETE))
        : Map.of();
  }

  /** The tile at (x, y) now: a changed tile from the state, else the generated one. */
  public static int tile(TileWorld world, Map<Object, Object> state, int x, int y) {
    if (!world.inside(x, y)) {
      return TileWorld.WALL;
    }
    if (state.get("tiles") instanceof Map<?, ?> changed
        && changed.get((long) world.index(x, y)) instanceof Long t) {
      return t.intValue();
    }
    return world.tile(x, y);
  }

  @SuppressWarnings("unchecked")
  public static Map<Object, Object> players(Map<Object, Object> state) {
    return state.get("players") instanceof Map<?, ?> m ? (Map<Object, Object>) m : Map.of();
  }

  /** The position of a player entry of the state, {x, y}. */
  public static double[] position(Object player) {
    if (player instanceof Map<?, ?> m
        && m.get("x") instanceof Double x
        && m.get("y") instanceof Double y) {
      return new double[] {x, y};
    }
    return null;
  }
}
