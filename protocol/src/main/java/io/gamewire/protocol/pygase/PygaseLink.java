package io.gamewire.protocol.pygase;

import io.gamewire.protocol.realtime.AckWindow;
import io.gamewire.protocol.realtime.CongestionController;
import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.gamewire.protocol.realtime.SentPackets;
import io.gamewire.protocol.realtime.Sequence;
import java.util.ArrayDeque;

/**
 * One side of one PyGaSe connection, as both endpoints share it: sequences and acknowledgements,
 * the events waiting and the events each sent package carries, the send cadence and the timeouts.
 *
 * <p>What it keeps from PyGaSe: one package per send interval (40 Hz, 20 Hz while the latency is
 * bad, PyGaSe's switch in {@link CongestionController}); a package unacknowledged after the package
 * timeout is lost and its events time out; at most five events per package. What it fixes: {@link
 * AckWindow} keeps the previous newest sequence on a jump, uses all 32 bits and recognises
 * duplicates, which are counted and dropped instead of breaking the connection.
 */
final class PygaseLink implements SentPackets.Sink {
  /** Packages tracked in flight; a 1 s timeout at 40 Hz needs 41. */
  static final int WINDOW = 128;

  /** An event on its way: its encoded map and its callbacks (nullable). */
  record Queued(byte[] body, MessageCallbacks callbacks) {}

  private static final Queued[] NONE = new Queued[0];

  private final PygaseConfig config;
  private final AckWindow received = new AckWindow();
  private final SentPackets sent = new SentPackets(WINDOW);
  private final CongestionController congestion;
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private final Queued[][] carried = new Queued[WINDOW][];
  private final int[] sizes = new int[WINDOW];
  private int sequence = Sequence.NONE;
  private long lastReceiveNanos;
  private long nextSendNanos;
  private long sinkNow;

  long packagesIn;
  long bytesIn;
  long packagesOut;
  long duplicates;
  long packagesAcked;
  long packagesLost;
  long callbackFailures;

  PygaseLink(PygaseConfig config, long nowNanos) {
    this.config = config;
    this.congestion = new CongestionController(config.congestion(), nowNanos);
    this.lastReceiveNanos = nowNanos;
    this.nextSendNanos = nowNanos;
  }

  // ------------------------------------------------------------------ receiving

  /**
   * A valid package arrived. Returns false for a duplicate or a package too old to tell, which the
   * caller drops; either way the connection is alive.
   */
  boolean onPackage(long nowNanos, int seq, int ack, int ackBitfield, int bytes) {
    lastReceiveNanos = nowNanos;
    packagesIn++;
    bytesIn += bytes;
    if (!received.record(seq)) {
      duplicates++;
      return false;
    }
    sinkNow = nowNanos;
    sent.onAck(ack, ackBitfield, this);
    return true;
  }

  /** Whether {@code seq} is the newest sequence received (not a reordered older one). */
  boolean isNewest(int seq) {
    return received.ack() == seq;
  }

  int ack() {
    return received.ack();
  }

  int ackBitfield() {
    return received.bitfield();
  }

  // ------------------------------------------------------------------ sending

  boolean enqueue(byte[] body, MessageCallbacks callbacks) {
    if (queue.size() >= config.maxQueuedEvents()) {
      return false;
    }
    queue.addLast(new Queued(body, callbacks));
    return true;
  }

  int queuedEvents() {
    return queue.size();
  }

  boolean sendDue(long nowNanos) {
    return nowNanos - nextSendNanos >= 0;
  }

  int nextSequence() {
    return Sequence.next(sequence);
  }

  /** Up to five queued events, in order, whose {@code u16 length | map} fit in {@code room}. */
  Queued[] takeEvents(int room) {
    int n = 0;
    int bytes = 0;
    for (Queued q : queue) {
      if (n == PygaseWire.MAX_EVENTS_PER_PACKAGE || bytes + 2 + q.body().length > room) {
        break;
      }
      bytes += 2 + q.body().length;
      n++;
    }
    if (n == 0) {
      return NONE;
    }
    Queued[] out = new Queued[n];
    for (int i = 0; i < n; i++) {
      out[i] = queue.pollFirst();
    }
    return out;
  }

  /** The package {@code seq} of {@code bytes}, carrying {@code events}, went out. */
  void onSent(long nowNanos, int seq, int bytes, Queued[] events) {
    sinkNow = nowNanos;
    sent.sent(seq, nowNanos, this); // may report the package in this slot lost first
    int slot = seq & (WINDOW - 1);
    carried[slot] = events.length == 0 ? null : events;
    sizes[slot] = bytes;
    sequence = seq;
    packagesOut++;
    congestion.onPacketSent(nowNanos, bytes);
    skipSend(nowNanos);
  }

  /** Moves the send clock one interval on without sending (nothing could be sent this tick). */
  void skipSend(long nowNanos) {
    long interval = congestion.sendIntervalNanos();
    nextSendNanos += interval;
    if (nowNanos - nextSendNanos >= 0) {
      nextSendNanos = nowNanos + interval; // late: restart the cadence rather than burst
    }
  }

  // ------------------------------------------------------------------ time

  void handleTimeout(long nowNanos) {
    sinkNow = nowNanos;
    sent.expire(nowNanos, config.packageTimeoutNanos(), this);
    congestion.update(nowNanos);
  }

  boolean timedOut(long nowNanos) {
    return nowNanos - lastReceiveNanos >= config.connectionTimeoutNanos();
  }

  long nextTimeoutNanos() {
    long t = Math.min(nextSendNanos, congestion.nextUpdateNanos());
    t = Math.min(t, lastReceiveNanos + config.connectionTimeoutNanos());
    long oldest = sent.oldestOutstandingSentAtNanos();
    if (oldest != Long.MAX_VALUE) {
      t = Math.min(t, oldest + config.packageTimeoutNanos());
    }
    return t;
  }

  /** The connection ended: every event in flight or waiting times out. */
  void close() {
    for (int i = 0; i < WINDOW; i++) {
      Queued[] events = carried[i];
      carried[i] = null;
      if (events != null) {
        for (Queued q : events) {
          timedOut(q);
        }
      }
    }
    Queued q;
    while ((q = queue.pollFirst()) != null) {
      timedOut(q);
    }
  }

  /** Latency (PyGaSe's average and RFC 6298's), quality, send interval and traffic. */
  ConnectionStats stats() {
    return congestion.snapshot(bytesIn, packagesIn, queue.size());
  }

  CongestionController congestion() {
    return congestion;
  }

  // ------------------------------------------------------------------ SentPackets.Sink

  @Override
  public void acked(int seq, long sentAtNanos) {
    int slot = seq & (WINDOW - 1);
    Queued[] events = carried[slot];
    carried[slot] = null;
    packagesAcked++;
    congestion.onPacketAcked(sinkNow, sizes[slot], sinkNow - sentAtNanos);
    if (events != null) {
      for (Queued q : events) {
        if (q.callbacks() != null) {
          try {
            q.callbacks().onAcked();
          } catch (RuntimeException e) {
            callbackFailures++;
          }
        }
      }
    }
  }

  @Override
  public void lost(int seq, long sentAtNanos) {
    int slot = seq & (WINDOW - 1);
    Queued[] events = carried[slot];
    carried[slot] = null;
    packagesLost++;
    congestion.onPacketLost(sinkNow, sizes[slot]);
    if (events != null) {
      for (Queued q : events) {
        timedOut(q);
      }
    }
  }

  private void timedOut(Queued q) {
    if (q.callbacks() != null) {
      try {
        q.callbacks().onTimedOut();
      } catch (RuntimeException e) {
        callbackFailures++;
      }
    }
  }
}
