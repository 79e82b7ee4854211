package io.gamewire.protocol.state;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client side of native state sync, sans-I/O (docs/STATE-SYNC.md): the client's recent versions
 * and the one it shows.
 *
 * <p>An update names its base; the receiver applies it to that version if it holds it (its last
 * {@link #VERSIONS_KEPT}), keeps the result, and makes it current only if its time order is newer
 * than the current one: a late or duplicated update never moves the state backwards. Without the
 * base it reports that a resync is due (at most every {@link #RESYNC_INTERVAL_NANOS}).
 *
 * <p>Not thread-safe: the caller serialises {@link #onUpdate}; {@link #state()} and {@link
 * #timeOrder()} may be read from any thread (each is published whole, not the pair together).
 */
public final class StateSyncReceiver {
  /**
   * Versions kept so that an update against any recently held version can be applied, least
   * recently used first out: a version the server bases its updates on is used by each of them and
   * stays however many acknowledgements are lost. The server bases an update on the newest version
   * the client confirmed, with at most {@link StateSyncSender#MAX_UPDATES_IN_FLIGHT} unconfirmed,
   * so the base it moves to next is one of the few newest. Versions share all they did not change,
   * yet each lives as long as it is kept: at 30 updates a second, 32 kept versions per client made
   * a 1000-client process spend its time copying them between GC generations.
   */
  public static final int VERSIONS_KEPT = 8;

  /** The shortest spacing of resync requests (100 ms). */
  public static final long RESYNC_INTERVAL_NANOS = 100_000_000L;

  /** What an update did. */
  public enum Outcome {
    /** Applied: a newer state is current. */
    APPLIED,
    /** Decoded and kept, but not newer than the current state. */
    OLDER,
    /** Its base is not held; nothing changed. */
    NO_BASE,
    /** Its base is not held and a resync request is due now ({@link #timeOrder()}). */
    RESYNC
  }

  private final NativeStateFormat format =
      new NativeStateFormat(io.gamewire.protocol.msgpack.MsgpackLimits.DEFAULT);
  private final StateDeltaCodec.Decoder decoder;
  private final Map<Integer, Map<Object, Object>> versions =
      new LinkedHashMap<>(16, 0.75f, true) { // access order: a base in use is refreshed
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Map<Object, Object>> eldest) {
          return size() > VERSIONS_KEPT;
        }
      };
  private volatile Map<Object, Object> state = StateTree.EMPTY;
  private volatile int timeOrder = TimeOrder.NONE;
  private long lastResyncNanos;
  private boolean resyncedOnce;
  private long applied;
  private long ignored;

  public StateSyncReceiver(StateCodecConfig config) {
    this.decoder = new StateDeltaCodec(config).decoder();
  }

  /**
   * Handles an UPDATE message.
   *
   * @throws MalformedMessageException when the message or its delta is malformed (nothing changed)
   */
  public Outcome onUpdate(long nowNanos, ByteBuf message) throws MalformedMessageException {
    NativeStateFormat.Update u = format.readUpdate(message);
    Map<Object, Object> base =
        u.base() == TimeOrder.NONE ? StateTree.EMPTY : versions.get(u.base());
    if (base == null) {
      ignored++;
      if (resyncedOnce && nowNanos - lastResyncNanos < RESYNC_INTERVAL_NANOS) {
        return Outcome.NO_BASE;
      }
      resyncedOnce = true;
      lastResyncNanos = nowNanos;
      return Outcome.RESYNC;
    }
    Map<Object, Object> next = versions.get(u.timeOrder());
    if (next == null) {
      next = decoder.decode(u.delta(), base);
      versions.put(u.timeOrder(), next);
    }
    if (timeOrder == TimeOrder.NONE || TimeOrder.isNewer(u.timeOrder(), timeOrder)) {
      state = next;
      timeOrder = u.timeOrder();
      applied++;
      return Outcome.APPLIED;
    }
    ignored++;
    return Outcome.OLDER;
  }

  /** The current state (immutable; empty before the first update). */
  public Map<Object, Object> state() {
    return state;
  }

  /** The current state's time order (0 before the first update). */
  public int timeOrder() {
    return timeOrder;
  }

  /** Updates applied, and updates not applied (older, or without a held base). */
  public long[] counts() {
    return new long[] {applied, ignored};
  }
}
