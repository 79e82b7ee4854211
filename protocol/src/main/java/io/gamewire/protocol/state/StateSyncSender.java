package io.gamewire.protocol.state;

import io.gamewire.protocol.realtime.RealtimeConnection.IoSafeCallbacks;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server side of native state sync, sans-I/O (docs/STATE-SYNC.md): for each client, which
 * version it has confirmed, and what to send it next.
 *
 * <p>Each {@link #poll} offers every client the update from its confirmed version to the store's
 * current one (the full state when it has none or an evicted one), encoded once per distinct base.
 * The update goes out with callbacks: its acknowledgement confirms the version, a timeout only
 * frees the slot. At most {@link #MAX_UPDATES_IN_FLIGHT} updates per client are unconfirmed, and
 * one full state at a time.
 *
 * <p>Threads: {@link #poll} belongs to the game thread that owns the store; client changes, resync
 * requests and the callbacks may come from other threads.
 */
public final class StateSyncSender {
  /**
   * Updates per client sent and not yet acknowledged at most. Acks come back within a round trip
   * plus a few milliseconds, so on a healthy link this never binds; on a slow one, acks clock the
   * updates instead of a backlog piling up behind the congestion budget.
   */
  public static final int MAX_UPDATES_IN_FLIGHT = 3;

  /** Where the sender hands an update message; false when it could not be queued. */
  @FunctionalInterface
  public interface Output {
    boolean send(int clientId, byte[] message, MessageCallbacks callbacks);
  }

  /** One client as the sender sees it. */
  private static final class Client {
    final int id;

    /** The newest version the client has confirmed (by the ack of the packet carrying it). */
    final AtomicInteger confirmed = new AtomicInteger(TimeOrder.NONE);

    /** Updates sent and neither acknowledged nor timed out. */
    final AtomicInteger inFlight = new AtomicInteger();

    volatile boolean fullInFlight;

    /** A resync the client asked for (-1: none); {@link #poll} applies it. */
    volatile int resyncRequest = -1;

    Client(int id) {
      this.id = id;
    }

    void confirm(int t) {
      int c;
      do {
        c = confirmed.get();
        if (c != TimeOrder.NONE && !TimeOrder.isNewer(t, c)) {
          return;
        }
      } while (!confirmed.compareAndSet(c, t));
    }
  }

  private final GameStateStore store;
  private final StateDeltaCodec.Encoder encoder;
  private final NativeStateFormat format;
  private final int maxMessageBytes;
  private final Map<Integer, Client> clients = new ConcurrentHashMap<>();
  private final ByteBuf scratch = Unpooled.buffer(1024);
  private long oversized;

  /**
   * @param maxMessageBytes the largest message the transport takes; a bigger update is skipped and
   *     counted ({@link #oversizedUpdates})
   */
  public StateSyncSender(
      GameStateStore store, StateDeltaCodec.Encoder encoder, int maxMessageBytes) {
    this.store = store;
    this.encoder = encoder;
    this.format = new NativeStateFormat(io.gamewire.protocol.msgpack.MsgpackLimits.DEFAULT);
    this.maxMessageBytes = maxMessageBytes;
  }

  public void addClient(int clientId) {
    clients.put(clientId, new Client(clientId));
  }

  public void removeClient(int clientId) {
    clients.remove(clientId);
  }

  /** The client lost track and holds {@code timeOrder}: the next update starts from there. */
  public void resync(int clientId, int timeOrder) {
    Client c = clients.get(clientId);
    if (c != null) {
      c.resyncRequest = timeOrder;
    }
  }

  /** The version a client has confirmed, or -1 if it is unknown. */
  public int confirmed(int clientId) {
    Client c = clients.get(clientId);
    return c == null ? -1 : c.confirmed.get();
  }

  public int clientCount() {
    return clients.size();
  }

  /** Updates skipped because they exceeded the transport's largest message. */
  public long oversizedUpdates() {
    return oversized;
  }

  /** Offers every client that needs one its update. Game thread only. */
  public void poll(Output out) {
    int now = store.timeOrder();
    Map<Integer, byte[]> encoded = new HashMap<>();
    for (Client c : clients.values()) {
      int resync = c.resyncRequest;
      if (resync != -1) {
        // Start over from what the client holds, if the store still has it.
        c.resyncRequest = -1;
        c.confirmed.set(store.versionAt(resync) == null ? TimeOrder.NONE : resync);
      }
      int base = c.confirmed.get();
      if (base == now) {
        continue; // up to date: the transport's keepalives are enough
      }
      boolean full = store.isFullFor(base);
      if ((full && c.fullInFlight) || c.inFlight.get() >= MAX_UPDATES_IN_FLIGHT) {
        continue;
      }
      byte[] bytes = encoded.computeIfAbsent(full ? TimeOrder.NONE : base, k -> encode(k, now));
      if (bytes.length > maxMessageBytes) {
        oversized++;
        continue;
      }
      if (full) {
        c.fullInFlight = true;
      }
      c.inFlight.incrementAndGet();
      if (!out.send(c.id, bytes, new Confirm(c, now, full))) {
        c.inFlight.decrementAndGet();
        c.fullInFlight = false;
      }
    }
  }

  private byte[] encode(int base, int now) {
    scratch.clear();
    Map<Object, Object> from = base == TimeOrder.NONE ? StateTree.EMPTY : store.versionAt(base);
    format.writeUpdate(scratch, base, now, encoder, from, store.state());
    byte[] out = new byte[scratch.readableBytes()];
    scratch.readBytes(out);
    return out;
  }

  /** Confirms a version when the packet that carried it is acknowledged. */
  private static final class Confirm implements IoSafeCallbacks {
    final Client client;
    final int timeOrder;
    final boolean full;

    Confirm(Client client, int timeOrder, boolean full) {
      this.client = client;
      this.timeOrder = timeOrder;
      this.full = full;
    }

    @Override
    public void onAcked() {
      client.confirm(timeOrder);
      done();
    }

    @Override
    public void onTimedOut() {
      done();
    }

    private void done() {
      client.inFlight.decrementAndGet();
      if (full) {
        client.fullInFlight = false;
      }
    }
  }
}
