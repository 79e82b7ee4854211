package io.gamewire.protocol.state;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's versioned game state: the current version, its time order, and the recent versions a
 * client may still hold (PyGaSe's GameStateStore with its update cache).
 *
 * <p>The update for a client is {@link #updateSince}: the diff from the version the client has
 * confirmed to the current one. A client with no state, or with a version older than the cache,
 * gets the full state (PyGaSe never re-sends it once a client falls behind; this store does). Diffs
 * are memoised per base version until the next commit, so a thousand clients that confirmed the
 * same version cost one diff.
 *
 * <p>The game status is the reserved top-level key {@value #GAME_STATUS} (0 paused, 1 active), so
 * pausing travels as an ordinary update.
 *
 * <p>Threads: one game thread owns the store and commits; any thread may read ({@link #state()},
 * {@link #timeOrder()}, {@link #versionAt}, {@link #updateSince}), since versions are immutable and
 * kept in concurrent maps. A reader racing a commit sees the version before or after it.
 */
public final class GameStateStore {
  /** The reserved key of the game status in the tree. */
  public static final String GAME_STATUS = "game_status";

  /** PyGaSe's update cache size. */
  public static final int DEFAULT_CACHE_SIZE = 100;

  private final int cacheSize;

  /** Versions by time order: the current one and up to {@code cacheSize} before it. */
  private final Map<Integer, Map<Object, Object>> versions = new ConcurrentHashMap<>();

  /** Time orders in {@link #versions}, oldest first, as a ring (owner thread only). */
  private final int[] order;

  private int orderStart;
  private int orderCount;

  /** Diffs by {@code current << 16 | base}; cleared of older currents on commit. */
  private final Map<Long, Map<Object, Object>> diffMemo = new ConcurrentHashMap<>();

  /** A version and its time order, published together. */
  public record Version(int timeOrder, Map<Object, Object> state) {}

  private volatile Version current = new Version(TimeOrder.NONE, StateTree.EMPTY);

  /** A store holding {@code initial} (frozen here) as time order 1, status paused. */
  public GameStateStore(Map<?, ?> initial) {
    this(initial, DEFAULT_CACHE_SIZE);
  }

  public GameStateStore(Map<?, ?> initial, int cacheSize) {
    Objects.requireNonNull(initial, "initial");
    if (cacheSize < 1 || cacheSize > 30_000) {
      throw new IllegalArgumentException("cacheSize must be in 1..30000, was " + cacheSize);
    }
    if (initial.containsKey(GAME_STATUS)) {
      throw new IllegalArgumentException(
          "'" + GAME_STATUS + "' is reserved; use pause() and resume() of the state machine");
    }
    this.cacheSize = cacheSize;
    this.order = new int[cacheSize + 1];
    Map<Object, Object> first = new LinkedHashMap<>(StateTree.freeze(initial, false));
    first.put(GAME_STATUS, (long) GameStatus.PAUSED.wire());
    commitVersion(StateTree.freeze(first, false));
  }

  /** The current version (immutable). */
  public Map<Object, Object> state() {
    return current.state();
  }

  /** The current version with its time order, read together. */
  public Version current() {
    return current;
  }

  /** The current version's time order (1 after construction). */
  public int timeOrder() {
    return current.timeOrder();
  }

  public GameStatus status() {
    Object s = current.state().get(GAME_STATUS);
    GameStatus g = s instanceof Long l ? GameStatus.fromWire(l) : null;
    return g == null ? GameStatus.PAUSED : g;
  }

  /** Versions kept besides the current one. */
  public int cacheSize() {
    return cacheSize;
  }

  /**
   * Applies an update (frozen here; may hold {@link StateTree#DELETE}) as the next version and
   * returns its time order. An empty update still makes a new version, as PyGaSe's loop does each
   * tick.
   */
  public int push(Map<?, ?> update) {
    Map<Object, Object> frozen = StateTree.freeze(update, true);
    return commitVersion(StateTree.merge(current.state(), frozen));
  }

  /**
   * Makes {@code next} (a version derived from {@link #state()} with {@link StateTree#merge}) the
   * current one and returns its time order.
   */
  public int commit(Map<Object, Object> next) {
    return commitVersion(Objects.requireNonNull(next, "next"));
  }

  private int commitVersion(Map<Object, Object> next) {
    int t = TimeOrder.next(current.timeOrder());
    if (orderCount == order.length) {
      versions.remove(order[orderStart]);
      orderStart = (orderStart + 1) % order.length;
      orderCount--;
    }
    order[(orderStart + orderCount) % order.length] = t;
    orderCount++;
    versions.put(t, next);
    current = new Version(t, next);
    diffMemo.clear();
    return t;
  }

  /** The version with this time order if it is still cached, else null. */
  public Map<Object, Object> versionAt(int t) {
    return t == TimeOrder.NONE ? null : versions.get(t);
  }

  /**
   * What a client holding version {@code clientTimeOrder} needs: the diff to the current version,
   * or the full state when it holds none or a version no longer cached ({@link #isFullFor}). An
   * empty map when it is up to date. Memoised until the next commit.
   */
  public Map<Object, Object> updateSince(int clientTimeOrder) {
    return updateSince(clientTimeOrder, current);
  }

  /** {@link #updateSince(int)} to a given current version (read once with {@link #current()}). */
  public Map<Object, Object> updateSince(int clientTimeOrder, Version to) {
    Map<Object, Object> base = versionAt(clientTimeOrder);
    if (base == null) {
      return to.state();
    }
    if (base == to.state()) {
      return StateTree.EMPTY;
    }
    long key = (long) to.timeOrder() << 16 | clientTimeOrder;
    Map<Object, Object> d = diffMemo.get(key);
    if (d == null) {
      d = StateTree.diff(base, to.state());
      if (current == to) {
        diffMemo.put(key, d); // not after a commit raced us: that memo would never be read
      }
    }
    return d;
  }

  /** Whether {@link #updateSince} gives this client the full state. */
  public boolean isFullFor(int clientTimeOrder) {
    return versionAt(clientTimeOrder) == null;
  }
}
