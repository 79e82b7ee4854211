package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The established state of one realtime connection (docs/PROTOCOL.md sections 4 to 6), sans-I/O:
 * datagrams and time go in through {@code handle…}, datagrams come out of {@link #pollDatagram}.
 *
 * <p><b>Sending.</b> {@link #send} copies a message into its channel's queue. Each {@link
 * #pollDatagram} packs as many records as fit in the MTU (and at most {@code
 * maxMessagesPerDatagram}), channel by channel: reliable fragments whose retransmit timeout ran
 * out, then new messages. Reliable messages stay in a per-channel ring indexed by message id until
 * every fragment has ridden in an acknowledged packet; at most {@code reliableWindow} ids are in
 * flight.
 *
 * <p><b>The ack ledger.</b> What each packet carried is kept in primitive arrays indexed by {@code
 * sequence & (PACKETS_TRACKED - 1)}, like {@link SentPackets}: per slot a count, and per record
 * {@code channel << 16 | message id} and the fragment index. An acknowledgement walks the slot and
 * finds each message in its channel's ring by id, so acking allocates nothing.
 *
 * <p><b>Flush policy.</b> Payload datagrams go out whenever something is due and the congestion
 * controller's byte budget allows a full datagram; the caller decides how often to poll (once per
 * tick). Without payload, a KEEPALIVE goes out when nothing was sent for the keepalive interval or
 * when a received payload has waited for an ack longer than {@code config.maxAckDelayNanos()} (or
 * the current send interval, if shorter, unless the delay was configured). A packet that carries an
 * ack later than half a millisecond after the acked packet arrived says how late (the header's
 * ack-delay byte), and the peer's RTT estimator takes it out of the sample.
 *
 * <p><b>Callbacks.</b> Every message sent with callbacks gets exactly one of them: {@code onAcked}
 * when the first packets carrying all its fragments are acknowledged; {@code onTimedOut} when an
 * unreliable message's packet is declared lost (or it waited unsent past the unreliable timeout),
 * when a reliable message is given up, or when the connection closes before it was acknowledged.
 *
 * <p>Bytes from the wire never throw out of {@link #handleDatagram}; bad datagrams are counted and
 * dropped. Not thread-safe: one event loop drives it.
 */
public final class RealtimeConnection implements AutoCloseable {
  /** Library reason: the application closed the connection. */
  public static final int REASON_CLOSED = 1;

  /** Library reason: nothing valid arrived within the timeout. */
  public static final int REASON_TIMEOUT = 2;

  /** Library reason: a reliable message was not acknowledged within the give-up time. */
  public static final int REASON_RELIABLE_FAILED = 3;

  /** Library reason: the peer broke the protocol. */
  public static final int REASON_PROTOCOL_ERROR = 4;

  /** Reason codes from here up are the application's. */
  public static final int FIRST_APPLICATION_REASON = 1000;

  public static final int MAX_DISCONNECT_TEXT_BYTES = 64;
  public static final int DISCONNECT_COPIES = 3;

  /** Packets whose contents the ledger remembers; older unacknowledged ones count as lost. */
  static final int PACKETS_TRACKED = 512;

  /**
   * Finished message records kept for reuse, at most (about 64 bytes each). A stream keeps a
   * reliable window (1024 by default) of messages in flight and acks return them hundreds at a
   * time: with fewer kept, a stream allocated a record per message (JFR allocation samples of a
   * one-way stream). A connection that never had many messages out holds only as many as it had.
   */
  static final int MAX_FREE_PENDING = 1024;

  /** Receives messages and the end of the connection. */
  public interface Listener {
    /** A message; {@code message} is valid during the call only. */
    void onMessage(int channel, ByteBuf message);

    default void onDisconnected(int reasonCode, String text, boolean byPeer) {}
  }

  /** Per-message delivery callbacks; exactly one of them runs. */
  public interface MessageCallbacks {
    default void onAcked() {}

    default void onTimedOut() {}
  }

  /**
   * Callbacks that are short, never block and are thread-safe, so a transport may run them on its
   * I/O thread instead of handing each to the listener executor (state sync confirms a version per
   * acknowledged update this way: thousands a second on a busy server).
   */
  public interface IoSafeCallbacks extends MessageCallbacks {}

  private static final long NEVER = Long.MIN_VALUE;

  /**
   * A receiver that got this many payload packets without sending acks at once: one header
   * acknowledges only the newest 33 sequences, so a fast sender's older packets would otherwise
   * fall out of the window unacknowledged and count as lost.
   */
  static final int ACK_EVERY_PACKETS = 16;

  /** A message on its way out. */
  private static final class Pending {
    ByteBuf data;
    int id;
    int fragmentCount;
    MessageCallbacks callbacks;
    long queuedAt;
    long firstSentAt = NEVER;
    int nextFragment; // unreliable: next fragment to send
    int fragmentsAcked;
    boolean abandoned; // unreliable: a fragment was lost, the rest need not go
    // Reliable only: per fragment, acknowledged and last sent (NEVER = not sent yet). A message of
    // one fragment (the common small message) keeps them in fields; arrays only for several.
    boolean acked0;
    long sentAt0;
    boolean[] acked;
    long[] sentAt;

    boolean acked(int f) {
      return fragmentCount == 1 ? acked0 : acked[f];
    }

    void ack(int f) {
      if (fragmentCount == 1) {
        acked0 = true;
      } else {
        acked[f] = true;
      }
    }

    long sentAt(int f) {
      return fragmentCount == 1 ? sentAt0 : sentAt[f];
    }

    void sentAt(int f, long t) {
      if (fragmentCount == 1) {
        sentAt0 = t;
      } else {
        sentAt[f] = t;
      }
    }

    /** Marks every fragment unsent and unacknowledged; {@code fragmentCount} is set. */
    void resetFragments() {
      acked0 = false;
      sentAt0 = NEVER;
      if (fragmentCount > 1) {
        if (acked == null || acked.length < fragmentCount) {
          acked = new boolean[fragmentCount];
          sentAt = new long[fragmentCount];
        }
        java.util.Arrays.fill(acked, 0, fragmentCount, false);
        java.util.Arrays.fill(sentAt, 0, fragmentCount, NEVER);
      }
    }
  }

  /**
   * One shared all-null ring per window size ({@code [log2(window)]}), read by channels that never
   * sent. Nothing is ever stored in it: a ring only receives messages taken from {@code waiting}
   * (reliable ones, and unreliable ones with callbacks), and {@link #send} gives a channel its own
   * ring before the first such message goes there.
   */
  private static final AtomicReferenceArray<Pending[]> UNUSED_RINGS =
      new AtomicReferenceArray<>(16);

  private static Pending[] unusedRing(int window) {
    int i = Integer.numberOfTrailingZeros(window);
    Pending[] r = UNUSED_RINGS.get(i);
    if (r == null) {
      UNUSED_RINGS.compareAndSet(i, null, new Pending[window]);
      r = UNUSED_RINGS.get(i);
    }
    return r;
  }

  private final class Channel {
    final int id;
    final DeliveryMode mode;
    // Sized 1 (2 slots): an idle channel keeps little, a busy one grows it to what it needs.
    final ArrayDeque<Pending> waiting = new ArrayDeque<>(1);
    // Reliable: in flight by id; unreliable: sent, awaiting outcome. The shared unused ring until
    // the channel's first message that can be stored here (an idle connection owns no ring).
    Pending[] ring;
    int nextId;
    int oldestId; // reliable: oldest id not yet acknowledged (== nextId when none)
    int ringCount;
    // Reliable: at or before the send time of every unacknowledged fragment in flight (MAX: none),
    // and the fragments of in-flight messages not sent yet. Together they say when the earliest
    // resend is due without walking the ring; a full walk makes the bound exact again.
    long earliestSentAt = Long.MAX_VALUE;
    int unsentFragments;
    final ReliableReceiver reliableIn;
    final SequencedReceiver sequencedIn;

    Channel(int id, DeliveryMode mode) {
      this.id = id;
      this.mode = mode;
      this.ring = unusedRing(config.reliableWindow());
      this.reliableIn =
          mode.isReliable()
              ? new ReliableReceiver(
                  mode, config.reliableWindow(), 4 * config.maxMessageBytes(), alloc)
              : null;
      this.sequencedIn = mode == DeliveryMode.UNRELIABLE_SEQUENCED ? new SequencedReceiver() : null;
    }

    int mask() {
      return ring.length - 1;
    }

    int queued() {
      return waiting.size() + ringCount;
    }

    /** Gives the channel a ring of its own (before a message can be stored in it). */
    void ownRing() {
      if (ring == unusedRing(ring.length)) {
        ring = new Pending[ring.length];
      }
    }
  }

  private final RealtimeConfig config;
  private final int token;
  private final ByteBufAllocator alloc;
  private final Listener listener;
  private final Fragmenter fragmenter;
  private final FragmentAssembler assembler;
  private final CongestionController congestion;
  private final SentPackets sentPackets = new SentPackets(PACKETS_TRACKED);
  private final AckWindow received = new AckWindow();
  private final MessageFormat.Cursor cursor = new MessageFormat.Cursor();
  private final Channel[] channelById; // up to the highest configured id
  private final Channel[] channels;

  // The ledger: what each tracked packet carried.
  private final int perPacket;
  // Made with the first packet that carries a record: a connection that has only sent keepalives
  // (an idle one) holds no ledger, and its packets count as header-sized for the budget.
  private int[] ledgerCount;
  private int[] ledgerBytes;
  // Per tracked packet, the records it carried as (key, fragment) pairs. Each slot's array is made
  // when a packet first needs it and grown when one needs more: a busy connection holds only what
  // its packets carry, and steady traffic allocates nothing. A flat array sized for full packets
  // cost 128 KiB per connection with the defaults.
  private int[][] ledgerRecords;
  private final int[] packingKey;
  private final int[] packingFragment;
  private final SentPackets.Sink sink = new LedgerSink();
  // Finished Pending records, reused by send so that steady traffic allocates none.
  private final ArrayDeque<Pending> freePending = new ArrayDeque<>(1);
  private long sinkNow;
  private long sinkAckDelay; // the ack delay the datagram being handled reports

  private int sequence = Sequence.NONE;
  private long lastSendAt;
  private long lastNow; // the latest time any call brought in
  private long lastReceiveAt;
  private boolean ackOwed;
  private long ackOwedSince;
  private long newestReceivedAt; // when the packet that received.ack() names arrived

  /** Payload packets received since this side last sent anything (each header acks 33). */
  private int receivedSinceSend;

  private boolean closed;
  private int disconnectsLeft;
  private int disconnectCode;
  private byte[] disconnectText;

  private long bytesIn;
  private long packetsIn;
  private long duplicates;
  private long malformed;
  private long wrongToken;
  private long rejectedDatagrams;
  private long messagesDelivered;

  public RealtimeConnection(
      RealtimeConfig config, int token, long nowNanos, ByteBufAllocator alloc, Listener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.alloc = Objects.requireNonNull(alloc, "alloc");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.token = token;
    this.fragmenter =
        new Fragmenter(config.maxMessageBytes(), Fragmenter.fragmentBytesFor(config.mtuBytes()));
    this.assembler =
        new FragmentAssembler(
            config.maxMessageBytes(),
            Math.max(FragmentAssembler.DEFAULT_MAX_BYTES_IN_FLIGHT, 4 * config.maxMessageBytes()),
            FragmentAssembler.DEFAULT_MAX_MESSAGES_IN_FLIGHT,
            FragmentAssembler.DEFAULT_INCOMPLETE_TIMEOUT_NANOS,
            alloc);
    this.congestion = new CongestionController(config.congestion(), nowNanos);
    this.channels = new Channel[config.channels().size()];
    this.channelById =
        new Channel[java.util.Collections.max(config.channels().keySet()) + 1]; // not empty
    int i = 0;
    for (Map.Entry<Integer, DeliveryMode> e :
        new java.util.TreeMap<>(config.channels()).entrySet()) {
      Channel c = new Channel(e.getKey(), e.getValue());
      channels[i++] = c;
      channelById[c.id] = c;
    }
    this.perPacket = config.maxMessagesPerDatagram();
    this.packingKey = new int[perPacket];
    this.packingFragment = new int[perPacket];
    this.lastSendAt = nowNanos;
    this.lastReceiveAt = nowNanos;
    this.lastNow = nowNanos;
  }

  // ------------------------------------------------------------------ sending

  /**
   * Queues a copy of {@code message}'s readable bytes on {@code channel}. Returns false if the
   * channel already holds {@code maxQueuedMessages} (back off and retry) or the connection is
   * closed. An unknown channel or a message over {@code maxMessageBytes} is a caller mistake and
   * throws.
   */
  public boolean send(int channel, ByteBuf message, MessageCallbacks callbacks) {
    return enqueue(channel, message, callbacks, true);
  }

  /**
   * Like {@link #send}, but keeps a reference to {@code message} (retained) instead of a copy: the
   * caller promises never to change its bytes or its indices again (a transport's own copy of an
   * application message, shared by every connection a broadcast goes to).
   */
  public boolean sendShared(int channel, ByteBuf message, MessageCallbacks callbacks) {
    return enqueue(channel, message, callbacks, false);
  }

  private boolean enqueue(int channel, ByteBuf message, MessageCallbacks callbacks, boolean copy) {
    Objects.requireNonNull(message, "message");
    Channel c = channel >= 0 && channel < channelById.length ? channelById[channel] : null;
    if (c == null) {
      throw new IllegalArgumentException(
          "channel " + channel + " is not configured; configured: " + config.channels().keySet());
    }
    int n = message.readableBytes();
    if (n > config.maxMessageBytes()) {
      throw new IllegalArgumentException(
          "message of "
              + n
              + " bytes exceeds maxMessageBytes "
              + config.maxMessageBytes()
              + ": split it or raise the limit");
    }
    if (closed || c.queued() >= config.maxQueuedMessages()) {
      return false;
    }
    Pending p = freePending.pollFirst();
    if (p == null) {
      p = new Pending();
    }
    p.data =
        copy
            ? alloc.buffer(n, n).writeBytes(message, message.readerIndex(), n)
            : message.readerIndex() == 0
                ? message.retain() // offsets are absolute: the buffer itself serves
                : message.retainedSlice(message.readerIndex(), n);
    p.fragmentCount = fragmenter.count(n);
    p.callbacks = callbacks;
    p.queuedAt = Long.MIN_VALUE; // stamped at the first poll that sees it (send has no clock)
    if (c.mode.isReliable()) {
      p.resetFragments();
    } else {
      p.id = c.nextId;
      c.nextId = MessageId.next(c.nextId);
    }
    if (c.mode.isReliable() || callbacks != null) {
      c.ownRing(); // only these are ever stored in the ring
    }
    c.waiting.addLast(p);
    return true;
  }

  /**
   * The next datagram to send now, or null. The caller owns (and releases) it. Call repeatedly
   * until null: payload datagrams are packed full, one after another.
   */
  public ByteBuf pollDatagram(long nowNanos) {
    if (!closed) {
      serviceTimers(nowNanos);
    }
    if (closed) {
      return disconnectsLeft > 0 ? writeDisconnect(nowNanos) : null;
    }
    if (hasPayloadDue(nowNanos) && congestion.canSend(nowNanos, config.mtuBytes())) {
      ByteBuf d = writePayload(nowNanos);
      if (d != null) {
        return d;
      }
    }
    if (nowNanos - lastSendAt >= config.keepaliveIntervalNanos()
        || (ackOwed
            && (nowNanos - ackOwedSince >= ackDelayNanos()
                || receivedSinceSend >= ACK_EVERY_PACKETS))) {
      int delay = ackDelayUnits(nowNanos);
      int n = RealtimeHeader.bytes(delay > 0 ? RealtimeHeader.FLAG_ACK_DELAY : 0);
      ByteBuf d = alloc.buffer(n, n);
      int seq = nextSequence();
      RealtimeHeader.writeWithAckDelay(
          d, seq, received.ack(), received.bitfield(), PacketKind.KEEPALIVE, token, delay);
      recordSent(nowNanos, seq, d.readableBytes(), 0);
      return d;
    }
    return null;
  }

  /**
   * How long a received payload may wait for its ack. Acks must be prompt unless the wait is
   * reported: a delayed ack inflates the peer's RTT samples, and its congestion controller reads
   * RTT growth as congestion. The default yields to a faster send rate; a configured delay (a
   * server that sends on a tick) is kept, and reported with each ack ({@link #ackDelayUnits}).
   */
  private long ackDelayNanos() {
    long max = config.maxAckDelayNanos();
    return max == RealtimeConfig.DEFAULT_MAX_ACK_DELAY_NANOS
        ? Math.min(max, congestion.sendIntervalNanos())
        : max;
  }

  /** The ack-delay byte for a packet sent now: 0 (no byte) unless a fresh ack waited. */
  private int ackDelayUnits(long now) {
    return ackOwed ? RealtimeHeader.ackDelayUnits(now - newestReceivedAt) : 0;
  }

  private int nextSequence() {
    sequence = Sequence.next(sequence);
    return sequence;
  }

  private void recordSent(long now, int seq, int bytes, int records) {
    sinkNow = now;
    sentPackets.sent(seq, now, sink); // may report the slot's previous packet lost first
    int slot = seq & (PACKETS_TRACKED - 1);
    if (ledgerCount == null && records > 0) {
      ledgerCount = new int[PACKETS_TRACKED];
      ledgerBytes = new int[PACKETS_TRACKED];
      java.util.Arrays.fill(ledgerBytes, RealtimeHeader.BYTES); // the keepalives already out
      ledgerRecords = new int[PACKETS_TRACKED][];
    }
    if (ledgerCount != null) {
      ledgerCount[slot] = records;
      ledgerBytes[slot] = bytes;
    }
    if (records > 0) {
      int[] r = ledgerRecords[slot];
      if (r == null || r.length < 2 * records) {
        r = ledgerRecords[slot] = new int[Math.min(2 * perPacket, Math.max(8, 4 * records))];
      }
      for (int i = 0; i < records; i++) {
        r[2 * i] = packingKey[i];
        r[2 * i + 1] = packingFragment[i];
      }
    }
    congestion.onPacketSent(now, bytes);
    lastSendAt = now;
    ackOwed = false;
    receivedSinceSend = 0;
  }

  private boolean hasPayloadDue(long now) {
    long rto = congestion.rtt().retransmitTimeoutNanos();
    for (Channel c : channels) {
      if (c.mode.isReliable()) {
        if (!c.waiting.isEmpty() && MessageId.distance(c.nextId, c.oldestId) < c.ring.length) {
          return true;
        }
        if (earliestResend(c, rto) <= now) {
          return true;
        }
      } else if (!c.waiting.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /**
   * When the earliest unacknowledged fragment on reliable channel {@code c} is due again, or
   * earlier (the bound is exact after a full walk in {@link #packReliable}); O(1).
   */
  private static long earliestResend(Channel c, long rto) {
    if (c.unsentFragments > 0) {
      return Long.MIN_VALUE;
    }
    return c.earliestSentAt == Long.MAX_VALUE ? Long.MAX_VALUE : c.earliestSentAt + rto;
  }

  private ByteBuf writePayload(long now) {
    int mtu = config.mtuBytes();
    ByteBuf d = alloc.buffer(mtu, mtu);
    int delay = ackDelayUnits(now);
    d.writerIndex(RealtimeHeader.bytes(delay > 0 ? RealtimeHeader.FLAG_ACK_DELAY : 0));
    int records = 0;
    long rto = congestion.rtt().retransmitTimeoutNanos();
    for (Channel c : channels) {
      if (records == perPacket) {
        break;
      }
      records =
          c.mode.isReliable()
              ? packReliable(c, d, records, now, rto)
              : packUnreliable(c, d, records, now);
    }
    if (records == 0) {
      d.release();
      return null;
    }
    int end = d.writerIndex();
    int seq = nextSequence();
    d.writerIndex(0);
    RealtimeHeader.writeWithAckDelay(
        d, seq, received.ack(), received.bitfield(), PacketKind.PAYLOAD, token, delay);
    d.writerIndex(end);
    recordSent(now, seq, end, records);
    return d;
  }

  private boolean fits(ByteBuf d, DeliveryMode mode, boolean fragment, int length) {
    return MessageFormat.overhead(mode, fragment, length) + length <= d.writableBytes();
  }

  private int writeFragment(ByteBuf d, Channel c, Pending p, int f, int records) {
    int total = p.data.readableBytes();
    boolean fragment = p.fragmentCount > 1;
    int off = fragment ? fragmenter.offset(total, f) : 0;
    int len = fragment ? fragmenter.length(total, f) : total;
    MessageFormat.write(d, c.id, c.mode, p.id, fragment, f, p.fragmentCount, p.data, off, len);
    packingKey[records] = c.id << 16 | p.id;
    packingFragment[records] = f;
    return records + 1;
  }

  private int fragmentLength(Pending p, int f) {
    int total = p.data.readableBytes();
    return p.fragmentCount > 1 ? fragmenter.length(total, f) : total;
  }

  private int packReliable(Channel c, ByteBuf d, int records, long now, long rto) {
    // Resends and unsent fragments of messages already in flight, oldest first. Only when the
    // earliest resend may be due: otherwise nothing in the ring needs to go.
    if (earliestResend(c, rto) <= now) {
      int span = MessageId.distance(c.nextId, c.oldestId);
      long earliest = Long.MAX_VALUE;
      int i = 0;
      for (; i < span && records < perPacket; i++) {
        Pending p = c.ring[(c.oldestId + i) & c.mask()];
        if (p != null) {
          records = packReliableMessage(c, p, d, records, now, rto);
          earliest = Math.min(earliest, earliestUnacked(p));
        }
      }
      if (i == span) {
        c.earliestSentAt = earliest; // walked every message in flight: exact again
      }
    }
    // New messages, while the window allows.
    while (records < perPacket
        && !c.waiting.isEmpty()
        && MessageId.distance(c.nextId, c.oldestId) < c.ring.length) {
      Pending p = c.waiting.peekFirst();
      if (!fits(d, c.mode, p.fragmentCount > 1, fragmentLength(p, 0))) {
        break;
      }
      c.waiting.pollFirst();
      p.id = c.nextId;
      c.ring[p.id & c.mask()] = p;
      c.ringCount++;
      c.unsentFragments += p.fragmentCount;
      c.nextId = MessageId.next(c.nextId);
      records = packReliableMessage(c, p, d, records, now, rto);
    }
    return records;
  }

  private int packReliableMessage(
      Channel c, Pending p, ByteBuf d, int records, long now, long rto) {
    for (int f = 0; f < p.fragmentCount && records < perPacket; f++) {
      long sentAt = p.sentAt(f);
      if (p.acked(f) || (sentAt != NEVER && now - sentAt < rto)) {
        continue;
      }
      if (!fits(d, c.mode, p.fragmentCount > 1, fragmentLength(p, f))) {
        break;
      }
      records = writeFragment(d, c, p, f, records);
      if (sentAt == NEVER) {
        c.unsentFragments--;
      }
      p.sentAt(f, now);
      c.earliestSentAt = Math.min(c.earliestSentAt, now);
      if (p.firstSentAt == NEVER) {
        p.firstSentAt = now;
      }
    }
    return records;
  }

  /** The earliest send time of {@code p}'s unacknowledged, sent fragments, or MAX. */
  private static long earliestUnacked(Pending p) {
    long t = Long.MAX_VALUE;
    for (int f = 0; f < p.fragmentCount; f++) {
      long sentAt = p.sentAt(f);
      if (!p.acked(f) && sentAt != NEVER) {
        t = Math.min(t, sentAt);
      }
    }
    return t;
  }

  private int packUnreliable(Channel c, ByteBuf d, int records, long now) {
    while (records < perPacket && !c.waiting.isEmpty()) {
      Pending p = c.waiting.peekFirst();
      if (p.abandoned) {
        c.waiting.pollFirst(); // an earlier fragment was lost: the message cannot arrive
        p.data.release();
        p.data = null;
        recycle(p);
        continue;
      }
      if (p.queuedAt == Long.MIN_VALUE) {
        p.queuedAt = now;
      }
      if (p.nextFragment == 0 && now - p.queuedAt >= config.unreliableTimeoutNanos()) {
        c.waiting.pollFirst(); // waited too long for the budget: stale, drop unsent
        p.data.release();
        p.data = null;
        timedOut(p);
        recycle(p);
        continue;
      }
      while (p.nextFragment < p.fragmentCount && records < perPacket) {
        if (!fits(d, c.mode, p.fragmentCount > 1, fragmentLength(p, p.nextFragment))) {
          return records;
        }
        if (p.nextFragment == 0 && p.callbacks != null) {
          // Tracked from its first fragment on: that fragment's packet may be acknowledged (or
          // lost) before the last fragment is even written.
          awaitOutcome(c, p);
        }
        records = writeFragment(d, c, p, p.nextFragment, records);
        p.nextFragment++;
      }
      if (p.nextFragment < p.fragmentCount) {
        return records;
      }
      c.waiting.pollFirst();
      p.data.release();
      p.data = null;
      if (p.callbacks == null) {
        recycle(p); // never awaited an outcome: nothing else refers to it
      }
    }
    return records;
  }

  /** Puts an unreliable message with callbacks where acks and losses of its packets find it. */
  private void awaitOutcome(Channel c, Pending p) {
    int slot = p.id & c.mask();
    Pending old = c.ring[slot];
    if (old != null) {
      c.ringCount--;
      timedOut(old); // still unresolved a whole window of messages later
      recycle(old); // long out of the waiting queue: p, a newer message, is at its head
    }
    c.ring[slot] = p;
    c.ringCount++;
  }

  private static void timedOut(Pending p) {
    MessageCallbacks cb = p.callbacks;
    p.callbacks = null;
    if (cb != null) {
      cb.onTimedOut();
    }
  }

  /**
   * Takes back a record nothing refers to any more (its data released, its callback taken), for
   * send to reuse; keeps its fragment arrays. At most {@link #MAX_FREE_PENDING} are kept.
   */
  private void recycle(Pending p) {
    if (freePending.size() < MAX_FREE_PENDING) {
      p.data = null;
      p.callbacks = null;
      p.id = 0;
      p.fragmentCount = 0;
      p.firstSentAt = NEVER;
      p.nextFragment = 0;
      p.fragmentsAcked = 0;
      p.abandoned = false;
      freePending.addFirst(p);
    }
  }

  /** Applies acknowledgements and losses to the messages the ledger says each packet carried. */
  private final class LedgerSink implements SentPackets.Sink {
    @Override
    public void acked(int seq, long sentAtNanos) {
      int slot = seq & (PACKETS_TRACKED - 1);
      if (ledgerCount == null) {
        congestion.onPacketAcked(
            sinkNow, RealtimeHeader.BYTES, sinkNow - sentAtNanos, sinkAckDelay);
        return; // only keepalives so far
      }
      congestion.onPacketAcked(sinkNow, ledgerBytes[slot], sinkNow - sentAtNanos, sinkAckDelay);
      int[] r = ledgerRecords[slot];
      for (int i = 0; i < ledgerCount[slot] && !closed; i++) {
        int key = r[2 * i];
        Channel c = channelById[key >>> 16];
        int id = key & 0xffff;
        Pending p = c.ring[id & c.mask()];
        if (p == null || p.id != id) {
          continue;
        }
        if (c.mode.isReliable()) {
          int f = r[2 * i + 1];
          if (p.acked(f)) {
            continue;
          }
          p.ack(f);
          if (++p.fragmentsAcked == p.fragmentCount) {
            completeReliable(c, p);
          }
        } else if (++p.fragmentsAcked == p.fragmentCount) {
          c.ring[id & c.mask()] = null;
          c.ringCount--;
          MessageCallbacks cb = p.callbacks;
          recycle(p);
          cb.onAcked();
        }
      }
      ledgerCount[slot] = 0;
    }

    @Override
    public void lost(int seq, long sentAtNanos) {
      int slot = seq & (PACKETS_TRACKED - 1);
      if (ledgerCount == null) {
        congestion.onPacketLost(sinkNow, RealtimeHeader.BYTES);
        return;
      }
      congestion.onPacketLost(sinkNow, ledgerBytes[slot]);
      int[] r = ledgerRecords[slot];
      for (int i = 0; i < ledgerCount[slot] && !closed; i++) {
        int key = r[2 * i];
        Channel c = channelById[key >>> 16];
        if (c.mode.isReliable()) {
          continue; // resent on its retransmit timeout
        }
        int id = key & 0xffff;
        Pending p = c.ring[id & c.mask()];
        if (p != null && p.id == id) {
          c.ring[id & c.mask()] = null;
          c.ringCount--;
          timedOut(p);
          if (p.nextFragment < p.fragmentCount) {
            p.abandoned = true; // still waiting: its other fragments are not sent, then recycled
          } else {
            recycle(p);
          }
        }
      }
      ledgerCount[slot] = 0;
    }
  }

  private void completeReliable(Channel c, Pending p) {
    c.ring[p.id & c.mask()] = null;
    c.ringCount--;
    p.data.release();
    p.data = null;
    while (c.oldestId != c.nextId && c.ring[c.oldestId & c.mask()] == null) {
      c.oldestId = MessageId.next(c.oldestId);
    }
    MessageCallbacks cb = p.callbacks;
    recycle(p);
    if (cb != null) {
      cb.onAcked();
    }
  }

  // ------------------------------------------------------------------ receiving

  /**
   * A datagram for this connection. Never throws for its contents: a datagram that is malformed,
   * carries another token, repeats a sequence or does not match the local channels is counted and
   * dropped whole.
   */
  public void handleDatagram(long nowNanos, ByteBuf datagram) {
    bytesIn += datagram.readableBytes();
    packetsIn++;
    if (closed) {
      return;
    }
    if (!RealtimeHeader.isRealtime(datagram)) {
      malformed++;
      return;
    }
    PacketKind kind = RealtimeHeader.kind(datagram);
    int seq = RealtimeHeader.sequence(datagram);
    if (kind == null
        || !RealtimeHeader.flagsValid(datagram, kind)
        || !Sequence.isLive(seq)
        || (kind != PacketKind.PAYLOAD
            && kind != PacketKind.KEEPALIVE
            && kind != PacketKind.DISCONNECT)) {
      malformed++;
      return;
    }
    if (RealtimeHeader.token(datagram) != token) {
      wrongToken++;
      return;
    }
    int bodyStart = datagram.readerIndex() + RealtimeHeader.bytes(RealtimeHeader.flags(datagram));
    int bodyLength = datagram.writerIndex() - bodyStart;
    // A retained slice: on a pooled datagram, a recycled view instead of a new object each time.
    ByteBuf body = datagram.retainedSlice(bodyStart, bodyLength);
    try {
      handleBody(nowNanos, datagram, kind, seq, body);
    } finally {
      body.release();
    }
  }

  private void handleBody(long nowNanos, ByteBuf datagram, PacketKind kind, int seq, ByteBuf body) {
    int bodyLength = body.readableBytes();
    String disconnectText = null;
    if (kind == PacketKind.PAYLOAD) {
      // One pass checks both that every record is well-formed and that this end has its channel in
      // its mode; malformed counts first, as the whole datagram is dropped either way.
      cursor.reset(body);
      int records = 0;
      boolean rejected = false;
      while (cursor.next()) {
        records++;
        int channel = cursor.channel();
        Channel c = channel < channelById.length ? channelById[channel] : null;
        rejected |= c == null || c.mode != cursor.mode();
      }
      if (records == 0 || !cursor.atEnd()) {
        malformed++;
        return;
      }
      if (rejected) {
        rejectedDatagrams++;
        return;
      }
    } else if (kind == PacketKind.KEEPALIVE) {
      if (bodyLength != 0) {
        malformed++;
        return;
      }
    } else {
      disconnectText = readDisconnectText(body);
      if (disconnectText == null) {
        malformed++;
        return;
      }
    }
    if (!received.record(seq)) {
      duplicates++;
      return;
    }
    lastReceiveAt = nowNanos;
    lastNow = Math.max(lastNow, nowNanos);
    if (received.ack() == seq) {
      newestReceivedAt = nowNanos;
    }
    sinkNow = nowNanos;
    sinkAckDelay = RealtimeHeader.ackDelayNanos(datagram);
    sentPackets.onAck(RealtimeHeader.ack(datagram), RealtimeHeader.ackBits(datagram), sink);
    sinkAckDelay = 0;
    if (closed) {
      return;
    }
    if (kind == PacketKind.DISCONNECT) {
      close(body.getUnsignedShort(0), disconnectText, true, false);
      return;
    }
    if (kind == PacketKind.PAYLOAD) {
      receivedSinceSend++;
      if (!ackOwed) {
        ackOwed = true;
        ackOwedSince = nowNanos;
      }
      cursor.reset(body);
      while (!closed && cursor.next()) {
        receiveRecord(nowNanos, body);
      }
    }
  }

  /** The text of a DISCONNECT body, or null if the body is malformed. */
  private static String readDisconnectText(ByteBuf body) {
    if (body.readableBytes() < 3) {
      return null;
    }
    int n = body.getUnsignedByte(2);
    if (n > MAX_DISCONNECT_TEXT_BYTES || body.readableBytes() != 3 + n) {
      return null;
    }
    byte[] bytes = new byte[n];
    body.getBytes(3, bytes);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * One record of {@code payload}: the payload's own indices are narrowed to the record's body for
   * the call and restored after it, so a message costs no derived buffer (the cursor reads by
   * absolute offsets and is not disturbed).
   */
  private void receiveRecord(long now, ByteBuf payload) {
    int r = payload.readerIndex();
    int w = payload.writerIndex();
    int off = cursor.bodyOffset();
    payload.setIndex(off, off + cursor.bodyLength());
    try {
      receiveRecord(now, payload, channelById[cursor.channel()], cursor.messageId());
    } finally {
      payload.setIndex(r, w);
    }
  }

  private void receiveRecord(long now, ByteBuf body, Channel c, int id) {
    if (cursor.isFragment()) {
      if (c.reliableIn != null && c.reliableIn.hasReceived(id)) {
        c.reliableIn.accept(id, body); // counts the duplicate
        return;
      }
      ByteBuf whole =
          assembler.accept(now, c.id, id, cursor.fragmentIndex(), cursor.fragmentCount(), body);
      if (whole != null) {
        try {
          receiveWhole(c, id, whole);
        } finally {
          whole.release();
        }
      }
    } else {
      receiveWhole(c, id, body);
    }
  }

  private void receiveWhole(Channel c, int id, ByteBuf message) {
    switch (c.mode) {
      case UNRELIABLE -> deliver(c, message);
      case UNRELIABLE_SEQUENCED -> {
        if (c.sequencedIn.accept(id)) {
          deliver(c, message);
        }
      }
      case RELIABLE_UNORDERED -> {
        if (c.reliableIn.accept(id, message) == ReliableReceiver.Result.ACCEPTED) {
          deliver(c, message);
        }
      }
      case RELIABLE_ORDERED -> {
        boolean accepted;
        if (c.reliableIn.acceptNext(id)) {
          deliver(c, message); // in order, the common case: no held copy
          accepted = true;
        } else {
          accepted = c.reliableIn.accept(id, message) == ReliableReceiver.Result.ACCEPTED;
        }
        if (accepted) {
          ByteBuf next;
          while (!closed && (next = c.reliableIn.poll()) != null) {
            try {
              deliver(c, next);
            } finally {
              next.release();
            }
          }
        }
      }
    }
  }

  private void deliver(Channel c, ByteBuf message) {
    messagesDelivered++;
    // The listener may move the indices of what it gets (valid during the call only); they are put
    // back afterwards instead of handing it a duplicate per message.
    int r = message.readerIndex();
    int w = message.writerIndex();
    try {
      listener.onMessage(c.id, message);
    } finally {
      message.setIndex(r, w);
    }
  }

  // ------------------------------------------------------------------ timers

  /** When {@link #handleTimeout} next has work, or {@link Long#MAX_VALUE}. */
  public long nextTimeoutNanos() {
    if (closed) {
      return disconnectsLeft > 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    long t = lastReceiveAt + config.timeoutNanos();
    t = Math.min(t, lastSendAt + config.keepaliveIntervalNanos());
    if (ackOwed) {
      t =
          Math.min(
              t, receivedSinceSend >= ACK_EVERY_PACKETS ? lastNow : ackOwedSince + ackDelayNanos());
    }
    t = Math.min(t, congestion.nextUpdateNanos());
    t = Math.min(t, assembler.nextExpiryNanos());
    long rto = congestion.rtt().retransmitTimeoutNanos();
    long sendDue = Long.MAX_VALUE;
    for (Channel c : channels) {
      if (c.mode.isReliable()) {
        sendDue = Math.min(sendDue, earliestResend(c, rto));
        Pending oldest = c.ring[c.oldestId & c.mask()];
        if (oldest != null && oldest.firstSentAt != NEVER) {
          t = Math.min(t, oldest.firstSentAt + config.reliableGiveUpNanos());
        }
        if (!c.waiting.isEmpty() && MessageId.distance(c.nextId, c.oldestId) < c.ring.length) {
          sendDue = Long.MIN_VALUE;
        }
      } else if (!c.waiting.isEmpty()) {
        sendDue = Long.MIN_VALUE;
      }
    }
    if (sendDue != Long.MAX_VALUE) {
      // Due now or later, but never before the byte budget allows a full datagram.
      long wait = congestion.nanosUntilSendable(lastNow, config.mtuBytes());
      t = Math.min(t, Math.max(sendDue, lastNow + wait));
    }
    if (sentPackets.outstanding() > 0) {
      t = Math.min(t, sentPackets.oldestOutstandingSentAtNanos() + config.unreliableTimeoutNanos());
    }
    return t;
  }

  /** Runs whatever timers are due. Sending happens in {@link #pollDatagram}. */
  public void handleTimeout(long nowNanos) {
    if (!closed) {
      serviceTimers(nowNanos);
    }
  }

  private void serviceTimers(long now) {
    lastNow = Math.max(lastNow, now);
    if (now - lastReceiveAt >= config.timeoutNanos()) {
      close(REASON_TIMEOUT, "timed out", false, false);
      return;
    }
    congestion.update(now);
    assembler.expire(now);
    sinkNow = now;
    sentPackets.expire(now, config.unreliableTimeoutNanos(), sink);
    for (Channel c : channels) {
      if (closed) {
        return;
      }
      if (c.mode.isReliable()) {
        Pending oldest = c.ring[c.oldestId & c.mask()];
        if (oldest != null
            && oldest.firstSentAt != NEVER
            && now - oldest.firstSentAt >= config.reliableGiveUpNanos()) {
          close(
              REASON_RELIABLE_FAILED,
              "reliable message on channel " + c.id + " not acknowledged",
              false,
              true);
          return;
        }
      }
    }
  }

  // ------------------------------------------------------------------ closing

  /**
   * Closes the connection: the peer is told {@code reasonCode} and {@code text} in {@value
   * #DISCONNECT_COPIES} DISCONNECT datagrams, which the next polls return. Idempotent.
   *
   * @param reasonCode 0..65535; library codes are below {@value #FIRST_APPLICATION_REASON}
   * @param text at most {@value #MAX_DISCONNECT_TEXT_BYTES} bytes of UTF-8
   */
  public void disconnect(long nowNanos, int reasonCode, String text) {
    if (reasonCode < 0 || reasonCode > 0xffff) {
      throw new IllegalArgumentException("reasonCode must be 0..65535, was " + reasonCode);
    }
    String t = text == null ? "" : text;
    if (t.getBytes(StandardCharsets.UTF_8).length > MAX_DISCONNECT_TEXT_BYTES) {
      throw new IllegalArgumentException(
          "disconnect text must be at most " + MAX_DISCONNECT_TEXT_BYTES + " bytes of UTF-8");
    }
    close(reasonCode, t, false, true);
  }

  /** Closes without telling the peer (the peer learns by timeout). Idempotent. */
  @Override
  public void close() {
    close(REASON_CLOSED, "closed", false, false);
  }

  private void close(int code, String text, boolean byPeer, boolean tellPeer) {
    if (closed) {
      return;
    }
    closed = true;
    if (tellPeer) {
      disconnectsLeft = DISCONNECT_COPIES;
      disconnectCode = code;
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      disconnectText = b.length <= MAX_DISCONNECT_TEXT_BYTES ? b : new byte[0];
    }
    releaseAll();
    listener.onDisconnected(code, text, byPeer);
  }

  private void releaseAll() {
    assembler.close();
    for (Channel c : channels) {
      if (c.reliableIn != null) {
        c.reliableIn.close();
      }
      for (Pending p : c.waiting) {
        release(p);
      }
      c.waiting.clear();
      for (int i = 0; i < c.ring.length; i++) {
        if (c.ring[i] != null) {
          release(c.ring[i]);
          c.ring[i] = null;
        }
      }
      c.ringCount = 0;
      c.unsentFragments = 0;
      c.earliestSentAt = Long.MAX_VALUE;
    }
  }

  private static void release(Pending p) {
    if (p.data != null) {
      p.data.release();
      p.data = null;
    }
    timedOut(p);
  }

  private ByteBuf writeDisconnect(long now) {
    int n = RealtimeHeader.BYTES + 3 + disconnectText.length;
    ByteBuf d = alloc.buffer(n, n);
    RealtimeHeader.write(
        d, nextSequence(), received.ack(), received.bitfield(), PacketKind.DISCONNECT, 0, token);
    d.writeShort(disconnectCode).writeByte(disconnectText.length).writeBytes(disconnectText);
    congestion.onPacketSent(now, n);
    lastSendAt = now;
    disconnectsLeft--;
    return d;
  }

  // ------------------------------------------------------------------ state

  public boolean isClosed() {
    return closed;
  }

  /**
   * Whether this side received {@link #ACK_EVERY_PACKETS} payload packets since it last sent: the
   * next poll sends an ack, and a caller reading a long batch of datagrams should poll before it
   * reads on, or the oldest of them fall out of the 33 sequences one header acknowledges and the
   * peer counts them lost.
   */
  public boolean ackUrgent() {
    return ackOwed && !closed && receivedSinceSend >= ACK_EVERY_PACKETS;
  }

  public ConnectionStats stats(long nowNanos) {
    int pending = 0;
    for (Channel c : channels) {
      pending += c.queued();
    }
    return congestion.snapshot(bytesIn, packetsIn, pending);
  }

  /** Datagrams dropped as repeats of a sequence already received (or too old to tell). */
  public long duplicatePackets() {
    return duplicates;
  }

  /** Datagrams dropped as malformed: bad header, kind, flags, payload or disconnect body. */
  public long malformedPackets() {
    return malformed;
  }

  /** Datagrams dropped for carrying another connection's token. */
  public long wrongTokenPackets() {
    return wrongToken;
  }

  /** Datagrams dropped for a message on an unknown channel or with another delivery mode. */
  public long rejectedPackets() {
    return rejectedDatagrams;
  }

  /** Messages handed to the listener. */
  public long messagesDelivered() {
    return messagesDelivered;
  }

  /** Bytes of partial messages held for reassembly. */
  public int reassemblyBytes() {
    return closed ? 0 : assembler.bytesInFlight();
  }
}
