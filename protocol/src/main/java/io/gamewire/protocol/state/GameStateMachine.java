package io.gamewire.protocol.state;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authoritative game loop, sans-I/O (PyGaSe's GameStateMachine): a fixed tick that runs the
 * time step, then the queued events through their handlers, and commits the result as the next
 * version of the {@link GameStateStore}.
 *
 * <p>Within a tick every handler sees the state with the time step's and earlier handlers' changes
 * already applied, so two moves of one player in one tick compose. Handler work is bounded: at most
 * {@code maxEventsPerTick} events per tick; the rest wait for the next tick. While paused the time
 * step does not run but events are still handled (a handler may resume the game).
 *
 * <p>Threads: {@link #queueEvent} may be called from any thread (a bounded queue; false when full).
 * Everything else belongs to the one game thread that calls {@link #tick}.
 */
public final class GameStateMachine {
  private static final Logger log = LoggerFactory.getLogger(GameStateMachine.class);

  /** The game's time step: the update for {@code dt} seconds (null or empty for none). */
  @FunctionalInterface
  public interface TimeStep {
    Map<?, ?> step(Map<Object, Object> state, double dt);
  }

  /** Handles one event type: the update it makes (null or empty for none). */
  @FunctionalInterface
  public interface EventHandler {
    Map<?, ?> handle(GameEvent event, Map<Object, Object> state, double dt);
  }

  private final GameStateStore store;
  private final TimeStep timeStep;
  private final Map<String, EventHandler> handlers;
  private final long tickNanos;
  private final int maxEventsPerTick;
  private final java.util.function.UnaryOperator<Map<Object, Object>> updateFilter;
  private final BlockingQueue<GameEvent> events;
  private long nextTickNanos = Long.MIN_VALUE;
  private long lastTickNanos;
  private long ticks;
  private long unhandledEvents;
  private long failedEvents;

  private GameStateMachine(Builder b) {
    this.store = b.store;
    this.timeStep = b.timeStep;
    this.handlers = Map.copyOf(b.handlers);
    this.tickNanos = 1_000_000_000L / b.tickRate;
    this.maxEventsPerTick = b.maxEventsPerTick;
    this.updateFilter = b.updateFilter;
    this.events = new ArrayBlockingQueue<>(b.maxQueuedEvents);
  }

  public static Builder builder(GameStateStore store) {
    return new Builder(store);
  }

  public GameStateStore store() {
    return store;
  }

  /** Queues an event for the next tick; false when the queue is full (the event is dropped). */
  public boolean queueEvent(GameEvent event) {
    return events.offer(Objects.requireNonNull(event, "event"));
  }

  /** Events waiting for a tick. */
  public int queuedEvents() {
    return events.size();
  }

  /** When the next tick is due ({@link Long#MIN_VALUE} before the first: due at once). */
  public long nextTickNanos() {
    return nextTickNanos;
  }

  public long tickNanos() {
    return tickNanos;
  }

  /**
   * Runs one tick if it is due and returns whether it ran. The tick's {@code dt} is the time since
   * the previous tick (one tick period for the first), so a late tick catches up in one larger
   * step; the schedule then restarts from now if it fell more than a tick behind, instead of
   * bursting.
   */
  public boolean tick(long nowNanos) {
    if (nextTickNanos != Long.MIN_VALUE && nowNanos - nextTickNanos < 0) {
      return false;
    }
    double dt = ticks == 0 ? tickNanos / 1e9 : Math.max(0, nowNanos - lastTickNanos) / 1e9;
    runTick(dt);
    lastTickNanos = nowNanos;
    if (nextTickNanos == Long.MIN_VALUE || nowNanos - (nextTickNanos + tickNanos) >= 0) {
      nextTickNanos = nowNanos + tickNanos;
    } else {
      nextTickNanos += tickNanos;
    }
    return true;
  }

  private void runTick(double dt) {
    ticks++;
    Map<Object, Object> state = store.state();
    if (store.status() == GameStatus.ACTIVE && timeStep != null) {
      state = apply(state, timeStep.step(state, dt), "the time step");
    }
    for (int i = 0; i < maxEventsPerTick; i++) {
      GameEvent e = events.poll();
      if (e == null) {
        break;
      }
      EventHandler h = handlers.get(e.type());
      if (h == null) {
        unhandledEvents++;
        log.debug("no handler for event type {} from client {}", e.type(), e.clientId());
        continue;
      }
      try {
        state = apply(state, h.handle(e, state, dt), "the handler of " + e.type());
      } catch (RuntimeException ex) {
        failedEvents++;
        log.warn("handler of event {} from client {} failed", e.type(), e.clientId(), ex);
      }
    }
    store.commit(state);
  }

  private Map<Object, Object> apply(Map<Object, Object> state, Map<?, ?> update, String who) {
    if (update == null || update.isEmpty()) {
      return state;
    }
    if (update.containsKey(GameStateStore.GAME_STATUS)) {
      throw new IllegalArgumentException(
          who + " returned '" + GameStateStore.GAME_STATUS + "'; use pause() and resume()");
    }
    return StateTree.merge(state, updateFilter.apply(StateTree.freeze(update, true)));
  }

  /** Stops the time step and commits the paused status as a new version. */
  public void pause() {
    setStatus(GameStatus.PAUSED);
  }

  /** Starts (or restarts) the time step and commits the active status as a new version. */
  public void resume() {
    setStatus(GameStatus.ACTIVE);
  }

  private void setStatus(GameStatus s) {
    if (store.status() != s) {
      store.commit(
          StateTree.merge(
              store.state(), Map.of(GameStateStore.GAME_STATUS, (Object) (long) s.wire())));
    }
  }

  public long ticks() {
    return ticks;
  }

  /** Events whose type had no handler. */
  public long unhandledEvents() {
    return unhandledEvents;
  }

  /** Events whose handler threw (the event's update is dropped, the tick goes on). */
  public long failedEvents() {
    return failedEvents;
  }

  /** Configures a {@link GameStateMachine}. */
  public static final class Builder {
    private final GameStateStore store;
    private TimeStep timeStep;
    private final Map<String, EventHandler> handlers = new HashMap<>();
    private int tickRate = 50;
    private int maxEventsPerTick = 1024;
    private int maxQueuedEvents = 65_536;
    private java.util.function.UnaryOperator<Map<Object, Object>> updateFilter = u -> u;

    private Builder(GameStateStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    public Builder timeStep(TimeStep step) {
      this.timeStep = Objects.requireNonNull(step, "step");
      return this;
    }

    /** The handler of one event type; registering a type twice is a mistake. */
    public Builder handler(String type, EventHandler handler) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(handler, "handler");
      if (handlers.putIfAbsent(type, handler) != null) {
        throw new IllegalArgumentException("a handler for event type '" + type + "' exists");
      }
      return this;
    }

    /** Ticks per second (default 50, PyGaSe's). */
    public Builder tickRate(int hz) {
      if (hz < 1 || hz > 1000) {
        throw new IllegalArgumentException("tickRate must be in 1..1000 Hz, was " + hz);
      }
      this.tickRate = hz;
      return this;
    }

    /**
     * Applied to every (frozen) update before it is merged, e.g. {@link StateDeltaCodec#quantize}
     * so that the server's state equals what clients rebuild.
     */
    public Builder updateFilter(java.util.function.UnaryOperator<Map<Object, Object>> filter) {
      this.updateFilter = Objects.requireNonNull(filter, "filter");
      return this;
    }

    /** Events handled per tick at most (default 1024); the rest wait. */
    public Builder maxEventsPerTick(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxEventsPerTick must be at least 1, was " + n);
      }
      this.maxEventsPerTick = n;
      return this;
    }

    /** Events waiting at most (default 65536); {@code queueEvent} refuses more. */
    public Builder maxQueuedEvents(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxQueuedEvents must be at least 1, was " + n);
      }
      this.maxQueuedEvents = n;
      return this;
    }

    public GameStateMachine build() {
      return new GameStateMachine(this);
    }
  }
}
