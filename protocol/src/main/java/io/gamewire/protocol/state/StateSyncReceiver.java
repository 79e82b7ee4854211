package io.gamewire.protocol.state;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
 * <p>Decoding can wait: {@link #offer} keeps an update as its delta against its base, and {@link
 * #settle} decodes the newest one (and whatever it is built on) when the caller is about to show
 * it, at the end of a read batch. A client that fell behind and reads several updates at once then
 * decodes one of them, not each; an update kept undecoded is still a version the server may base
 * later updates on, and is decoded if one does. {@link #onUpdate} is offer and settle in one.
 *
 * <p>Not thread-safe: the caller serialises {@link #offer}, {@link #settle} and {@link #onUpdate};
 * {@link #state()} and {@link #timeOrder()} may be read from any thread (each is published whole,
 * not the pair together).
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

  /**
   * The longest chain of undecoded versions: an update whose base is this many undecoded updates
   * deep is decoded on arrival, so that settling never decodes more than this many at once.
   */
  static final int MAX_UNDECODED_CHAIN = VERSIONS_KEPT;

  /** The shortest spacing of resync requests (100 ms). */
  public static final long RESYNC_INTERVAL_NANOS = 100_000_000L;

  /** What an update did. */
  public enum Outcome {
    /** Applied: a newer state is current (after {@link #settle}, when offered). */
    APPLIED,
    /** Kept, but not newer than the current state. */
    OLDER,
    /** Its base is not held; nothing changed. */
    NO_BASE,
    /** Its base is not held and a resync request is due now ({@link #timeOrder()}). */
    RESYNC
  }

  /** A version held: decoded, or its delta and the version it applies to, until it is needed. */
  private static final class Held {
    final int timeOrder;
    Map<Object, Object> state; // null until decoded
    Held base; // while undecoded
    byte[] delta; // while undecoded
    int chain; // undecoded versions from this one down to a decoded one, itself included

    Held(int timeOrder, Map<Object, Object> state) {
      this.timeOrder = timeOrder;
      this.state = state;
    }

    Held(int timeOrder, Held base, byte[] delta) {
      this.timeOrder = timeOrder;
      this.base = base;
      this.delta = delta;
      this.chain = base.state != null ? 1 : base.chain + 1;
    }
  }

  private static final Held NOTHING = new Held(TimeOrder.NONE, StateTree.EMPTY);

  private final NativeStateFormat format =
      new NativeStateFormat(io.gamewire.protocol.msgpack.MsgpackLimits.DEFAULT);
  private final StateDeltaCodec.Decoder decoder;
  private final Map<Integer, Held> versions =
      new LinkedHashMap<>(16, 0.75f, true) { // access order: a base in use is refreshed
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Held> eldest) {
          return size() > VERSIONS_KEPT;
        }
      };
  private volatile Map<Object, Object> state = StateTree.EMPTY;
  private volatile int timeOrder = TimeOrder.NONE;
  private Held shown = NOTHING; // what state and timeOrder publish
  private Held newest = NOTHING; // shown, or a newer version not yet settled
  private long lastResyncNanos;
  private boolean resyncedOnce;
  private long applied;
  private long ignored;
  private long decodes;

  public StateSyncReceiver(StateCodecConfig config) {
    this.decoder = new StateDeltaCodec(config).decoder();
  }

  /**
   * Handles an UPDATE message and decodes it at once if it is the newest ({@link #offer} then
   * {@link #settle}).
   *
   * @throws MalformedMessageException when the message or its delta is malformed (nothing changed)
   */
  public Outcome onUpdate(long nowNanos, ByteBuf message) throws MalformedMessageException {
    Outcome o = offer(nowNanos, message);
    if (o == Outcome.APPLIED) {
      settle();
    }
    return o;
  }

  /**
   * Handles an UPDATE message, keeping its delta undecoded until {@link #settle} or a later update
   * needs it. The message is read and may be released on return.
   *
   * @throws MalformedMessageException when the message is malformed (nothing changed); its delta is
   *     checked as it is decoded
   */
  public Outcome offer(long nowNanos, ByteBuf message) throws MalformedMessageException {
    NativeStateFormat.Update u = format.readUpdate(message);
    Held base = u.base() == TimeOrder.NONE ? NOTHING : versions.get(u.base());
    if (base == null) {
      ignored++;
      if (resyncedOnce && nowNanos - lastResyncNanos < RESYNC_INTERVAL_NANOS) {
        return Outcome.NO_BASE;
      }
      resyncedOnce = true;
      lastResyncNanos = nowNanos;
      return Outcome.RESYNC;
    }
    Held next = versions.get(u.timeOrder());
    if (next == null) {
      // Key ids are the sender's, for good: a delta decoded late defines the ones it defines again,
      // and a delta that assumes keys from its base is decoded after that base.
      next = new Held(u.timeOrder(), base, ByteBufUtil.getBytes(u.delta()));
      if (next.chain > MAX_UNDECODED_CHAIN) {
        decode(next);
      }
      versions.put(u.timeOrder(), next);
    }
    if (newest.timeOrder == TimeOrder.NONE || TimeOrder.isNewer(u.timeOrder(), newest.timeOrder)) {
      newest = next;
      applied++;
      return Outcome.APPLIED;
    }
    ignored++;
    return Outcome.OLDER;
  }

  /**
   * Decodes the newest version offered, if it is not current yet, and makes it current.
   *
   * @return whether the current state changed
   * @throws MalformedMessageException when its delta (or one it is built on) is malformed: that
   *     version is dropped, as is every kept version built on it, and the current one stays
   */
  public boolean settle() throws MalformedMessageException {
    if (newest == shown) {
      return false;
    }
    try {
      Map<Object, Object> s = decode(newest);
      shown = newest;
      state = s;
      timeOrder = newest.timeOrder;
      return true;
    } finally {
      newest = shown;
    }
  }

  /** Decodes {@code h} and the undecoded versions below it; a version that fails is dropped. */
  private Map<Object, Object> decode(Held h) throws MalformedMessageException {
    if (h.state != null) {
      return h.state;
    }
    try {
      h.state = decoder.decode(h.delta, decode(h.base));
      decodes++;
    } catch (MalformedMessageException e) {
      versions.remove(h.timeOrder, h);
      throw e;
    }
    h.base = null;
    h.delta = null;
    h.chain = 0;
    return h.state;
  }

  /** The current state (immutable; empty before the first update). */
  public Map<Object, Object> state() {
    return state;
  }

  /** The current state's time order (0 before the first update). */
  public int timeOrder() {
    return timeOrder;
  }

  /** Deltas decoded so far. */
  long decodes() {
    return decodes;
  }

  /** Updates applied (made newest), and updates not applied (older, or without a held base). */
  public long[] counts() {
    return new long[] {applied, ignored};
  }
}
