package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.collection.IntObjectHashMap;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The server side of realtime connections on one socket (docs/PROTOCOL.md sections 3 and 6),
 * sans-I/O: datagrams and time go in through {@code handle…}, datagrams to send come out of {@link
 * #pollDatagram}.
 *
 * <p><b>No state before validation.</b> A CONNECT_REQUEST is answered with a stateless CHALLENGE
 * ({@link ChallengeMinter}) and forgotten. Only a CHALLENGE_RESPONSE whose MAC verifies for its
 * source address, nonce and a timestamp at most the challenge validity old creates a {@link
 * RealtimeConnection}.
 *
 * <p><b>Anti-amplification without per-address state.</b> Before an address is validated the server
 * answers each datagram with at most one reply, and only if that reply is strictly smaller than the
 * datagram it answers ({@link #queueReply} enforces this). So the bytes sent to any unvalidated
 * address never exceed the bytes received from it, with nothing remembered per address. Replies
 * wait in a bounded queue; when it is full, further replies are dropped and counted.
 *
 * <p><b>Demultiplexing.</b> Established connections are found by source address, and a datagram
 * must also carry that connection's token; otherwise it is dropped and counted. Payload-kind
 * datagrams from an unknown address are dropped and counted. Nothing from the wire throws.
 *
 * <p>Connections are named by an {@code int} id that is never reused by this endpoint. Not
 * thread-safe: one event loop drives it.
 */
public final class RealtimeServerEndpoint implements AutoCloseable {

  /** A datagram to send; the caller owns (and releases) {@code bytes}. */
  public record Outgoing(InetSocketAddress to, ByteBuf bytes) {}

  /** Receives connection events; callbacks run inside the endpoint's handle/poll calls. */
  public interface Listener {
    void onConnected(int connectionId, InetSocketAddress address);

    /** A message; {@code message} is valid during the call only. */
    void onMessage(int connectionId, int channel, ByteBuf message);

    void onDisconnected(int connectionId, int reasonCode, String text, boolean byPeer);
  }

  /** Replies (challenges, denials, acceptances) held before the caller polls them. */
  public static final int MAX_QUEUED_REPLIES = 4096;

  private final class Slot extends DeadlineWheel.Node implements RealtimeConnection.Listener {
    final int id;
    final InetSocketAddress address;
    final long clientNonce;
    final int token;
    RealtimeConnection connection;
    boolean removed; // gone from byId
    boolean dirty; // in the dirty list: the next output pass polls it

    Slot(int id, InetSocketAddress address, long clientNonce, int token) {
      this.id = id;
      this.address = address;
      this.clientNonce = clientNonce;
      this.token = token;
    }

    @Override
    public void onMessage(int channel, ByteBuf message) {
      listener.onMessage(id, channel, message);
    }

    @Override
    public void onDisconnected(int reasonCode, String text, boolean byPeer) {
      // The address is free at once; the slot stays until its DISCONNECT copies are polled.
      byAddress.remove(address, this);
      listener.onDisconnected(id, reasonCode, text, byPeer);
    }
  }

  private final RealtimeConfig config;
  private final HandshakeConfig handshake;
  private final int maxClients;
  private final ChallengeMinter minter;
  private final RandomGenerator random;
  private final ByteBufAllocator alloc;
  private final Listener listener;

  private final Map<InetSocketAddress, Slot> byAddress = new HashMap<>();
  // Keyed by the primitive id: no boxing, no Integer to load and compare per send.
  private final IntObjectHashMap<Slot> byId = new IntObjectHashMap<>();
  // byId's slots as an array for broadcasts (no iterator, no boxing per connection); rebuilt on
  // the next broadcast after a connection came or went.
  private Slot[] live = new Slot[0];
  private boolean liveStale;
  // Connections that may have output: they received a datagram, were given a message, or their
  // timer fired. An output pass (pollDatagram) polls only these, then puts each on the wheel at
  // its next deadline, so neither output nor timers walk every connection.
  private Slot[] dirty = new Slot[16];
  private int dirtyCount;
  private int dirtyIndex; // where the output pass under way stands
  private InetSocketAddress polledAddress;
  private boolean urgent; // a connection owes an ack that must not wait for the end of the batch
  private final DeadlineWheel<Slot> wheel = new DeadlineWheel<>();
  private long timerNow;
  private final java.util.function.Consumer<Slot> onDeadline =
      s -> {
        s.connection.handleTimeout(timerNow);
        markDirty(s);
      };
  private final ArrayDeque<Outgoing> replies = new ArrayDeque<>();
  private final byte[] mac = new byte[ChallengeMinter.MAC_BYTES];
  private int nextId = 1;
  private boolean closed;

  private final DropLog dropLog = new DropLog("realtime server");

  private long received;
  private long notRealtime;
  private long malformed;
  private long tooShort;
  private long unknownAddress;
  private long wrongToken;
  private long challengesSent;
  private long challengesRefused;
  private long deniedSent;
  private long addressBusy;
  private long repliesDropped;
  // Counts of connections that are gone, so that counters() covers every datagram ever received.
  private long retiredMalformed;
  private long retiredWrongToken;
  private long retiredDuplicates;
  private long retiredRejected;

  public RealtimeServerEndpoint(
      RealtimeConfig config,
      int maxClients,
      byte[] challengeKey,
      RandomGenerator random,
      ByteBufAllocator alloc,
      Listener listener) {
    this(config, HandshakeConfig.defaults(), maxClients, challengeKey, random, alloc, listener);
  }

  /**
   * @param challengeKey at least 16 random bytes, drawn by the transport (SecureRandom) once
   * @param random the source of connection tokens
   */
  public RealtimeServerEndpoint(
      RealtimeConfig config,
      HandshakeConfig handshake,
      int maxClients,
      byte[] challengeKey,
      RandomGenerator random,
      ByteBufAllocator alloc,
      Listener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.handshake = Objects.requireNonNull(handshake, "handshake");
    if (maxClients < 1) {
      throw new IllegalArgumentException("maxClients must be at least 1, was " + maxClients);
    }
    this.maxClients = maxClients;
    this.minter =
        new ChallengeMinter(
            Objects.requireNonNull(challengeKey, "challengeKey"),
            handshake.challengeValidityNanos());
    this.random = Objects.requireNonNull(random, "random");
    this.alloc = Objects.requireNonNull(alloc, "alloc");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  // ------------------------------------------------------------------ receiving

  /**
   * A datagram from {@code from}. The caller keeps ownership of {@code datagram}. Never throws for
   * its contents: anything unexpected is counted and dropped.
   */
  public void handleDatagram(long nowNanos, InetSocketAddress from, ByteBuf datagram) {
    Objects.requireNonNull(from, "from");
    if (closed) {
      return;
    }
    received++;
    if (!RealtimeHeader.isRealtime(datagram)) {
      notRealtime++;
      dropLog.dropped(nowNanos, "not a realtime datagram", from);
      return;
    }
    PacketKind kind = RealtimeHeader.kind(datagram);
    if (kind == null || !RealtimeHeader.flagsValid(datagram, kind)) {
      malformed++;
      dropLog.dropped(nowNanos, "unknown kind or reserved flag", from);
      return;
    }
    switch (kind) {
      case CONNECT_REQUEST -> onConnectRequest(nowNanos, from, datagram);
      case CHALLENGE_RESPONSE -> onChallengeResponse(nowNanos, from, datagram);
      case PAYLOAD, KEEPALIVE, DISCONNECT -> {
        Slot s = byAddress.get(from);
        if (s == null) {
          unknownAddress++;
          dropLog.dropped(nowNanos, kind + " from an address with no connection", from);
        } else if (RealtimeHeader.token(datagram) != s.token) {
          wrongToken++;
          dropLog.dropped(nowNanos, kind + " with another connection's token", from);
        } else {
          RealtimeConnection c = s.connection;
          long bad = c.malformedPackets() + c.duplicatePackets() + c.rejectedPackets();
          c.handleDatagram(nowNanos, datagram);
          if (c.malformedPackets() + c.duplicatePackets() + c.rejectedPackets() != bad) {
            dropLog.dropped(nowNanos, kind + " malformed, repeated or on an unknown channel", from);
          }
          markDirty(s);
          if (c.ackUrgent()) {
            urgent = true;
          }
        }
      }
      default -> {
        malformed++; // CHALLENGE, ACCEPTED, DENIED never travel to a server
        dropLog.dropped(nowNanos, kind + " sent to a server", from);
      }
    }
  }

  private void onConnectRequest(long now, InetSocketAddress from, ByteBuf d) {
    int n = d.readableBytes();
    if (n < handshake.minRequestBytes()) {
      tooShort++;
      dropLog.dropped(now, "connect request under the padded minimum", from);
      return;
    }
    int body = d.readerIndex() + RealtimeHeader.BYTES;
    long nonce = d.getLong(body + Handshake.REQUEST_NONCE);
    if (d.getUnsignedByte(body + Handshake.REQUEST_VERSION) != Handshake.VERSION) {
      deny(from, nonce, Handshake.DENIED_VERSION_MISMATCH, n);
      return;
    }
    if (!connectTokenFits(d, body + Handshake.REQUEST_TOKEN_LENGTH)) {
      malformed++;
      dropLog.dropped(now, "connect request with a bad token length", from);
      return;
    }
    minter.mint(from, now, nonce, mac, 0);
    if (queueReply(from, Handshake.challenge(alloc, nonce, now, mac, 0), n)) {
      challengesSent++;
    }
  }

  private void onChallengeResponse(long now, InetSocketAddress from, ByteBuf d) {
    int n = d.readableBytes();
    if (n < handshake.minRequestBytes()) {
      tooShort++;
      dropLog.dropped(now, "challenge response under the padded minimum", from);
      return;
    }
    int body = d.readerIndex() + RealtimeHeader.BYTES;
    long nonce = d.getLong(body + Handshake.RESPONSE_NONCE);
    if (d.getUnsignedByte(body + Handshake.RESPONSE_VERSION) != Handshake.VERSION) {
      deny(from, nonce, Handshake.DENIED_VERSION_MISMATCH, n);
      return;
    }
    if (!connectTokenFits(d, body + Handshake.RESPONSE_TOKEN_LENGTH)) {
      malformed++;
      dropLog.dropped(now, "challenge response with a bad token length", from);
      return;
    }
    Slot existing = byAddress.get(from);
    if (existing != null && existing.clientNonce == nonce) {
      // A repeat (our ACCEPTED was lost or is late): the address proved itself already, and
      // the answer is smaller than the request, so answer the same ACCEPTED again.
      queueReply(from, accepted(existing), n);
      return;
    }
    long timestamp = d.getLong(body + Handshake.RESPONSE_TIMESTAMP);
    d.getBytes(body + Handshake.RESPONSE_MAC, mac, 0, ChallengeMinter.MAC_BYTES);
    if (!minter.verify(from, timestamp, nonce, mac, 0, now)) {
      challengesRefused++;
      dropLog.dropped(now, "challenge response that does not verify or is too old", from);
      return;
    }
    if (existing != null) {
      // Another handshake from a connected address: the old connection has to end first
      // (by DISCONNECT or timeout); replacing it here would let a restart race a live client.
      addressBusy++;
      dropLog.dropped(now, "new handshake from an address still connected", from);
      return;
    }
    if (byAddress.size() >= maxClients) {
      deny(from, nonce, Handshake.DENIED_SERVER_FULL, n);
      return;
    }
    Slot s = new Slot(nextId++, from, nonce, newToken());
    s.connection = new RealtimeConnection(config, s.token, now, alloc, s);
    byAddress.put(from, s);
    byId.put(s.id, s);
    liveStale = true;
    markDirty(s);
    queueReply(from, accepted(s), n);
    listener.onConnected(s.id, from);
  }

  private static boolean connectTokenFits(ByteBuf d, int lengthAt) {
    int length = d.getUnsignedShort(lengthAt);
    return length <= Handshake.MAX_CONNECT_TOKEN_BYTES && lengthAt + 2 + length <= d.writerIndex();
  }

  private ByteBuf accepted(Slot s) {
    return Handshake.accepted(
        alloc,
        s.token,
        s.clientNonce,
        config.mtuBytes(),
        Handshake.millisU16(config.keepaliveIntervalNanos()),
        Handshake.millisU16(config.timeoutNanos()));
  }

  private void deny(InetSocketAddress to, long nonce, int reason, int answeredBytes) {
    if (queueReply(to, Handshake.denied(alloc, nonce, reason), answeredBytes)) {
      deniedSent++;
    }
  }

  /**
   * Queues one reply to a datagram of {@code answeredBytes}. Refuses (and releases) a reply that is
   * not strictly smaller than what it answers: the anti-amplification rule, kept structurally.
   */
  private boolean queueReply(InetSocketAddress to, ByteBuf reply, int answeredBytes) {
    if (reply.readableBytes() >= answeredBytes || replies.size() >= MAX_QUEUED_REPLIES) {
      reply.release();
      repliesDropped++;
      return false;
    }
    replies.addLast(new Outgoing(to, reply));
    return true;
  }

  private int newToken() {
    while (true) {
      int t = random.nextInt();
      if (t != 0 && !tokenInUse(t)) {
        return t;
      }
    }
  }

  private boolean tokenInUse(int token) {
    for (Slot s : byId.values()) {
      if (s.token == token) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ sending and timers

  /**
   * The next datagram to send now, or null: queued handshake replies first, then each connection's
   * output. Call repeatedly until null.
   */
  public Outgoing pollDatagram(long nowNanos) {
    ByteBuf d = poll(nowNanos);
    return d == null ? null : new Outgoing(polledAddress, d);
  }

  /**
   * Like {@link #pollDatagram} without the wrapper: the next datagram to send now, or null; its
   * destination is {@link #polledAddress()} until the next call. For a transport's hot path.
   */
  public ByteBuf poll(long nowNanos) {
    if (closed) {
      return null;
    }
    Outgoing reply = replies.pollFirst();
    if (reply != null) {
      polledAddress = reply.to();
      return reply.bytes();
    }
    // One pass visits each dirty connection once, staying on it while it has datagrams, so
    // draining k datagrams from d dirty connections costs d + k calls. A connection made dirty
    // during the pass (a callback sent it a message) joins the end of the list and is visited too.
    while (dirtyIndex < dirtyCount) {
      Slot s = dirty[dirtyIndex];
      if (!s.removed) {
        ByteBuf d = s.connection.pollDatagram(nowNanos);
        if (d != null) {
          polledAddress = s.address;
          return d;
        }
        if (s.connection.isClosed()) {
          byId.remove(s.id); // closed and nothing left to tell the peer
          liveStale = true;
          retire(s);
          s.removed = true;
          wheel.cancel(s);
        } else {
          wheel.schedule(s, s.connection.nextTimeoutNanos());
        }
      }
      s.dirty = false;
      dirty[dirtyIndex++] = null;
    }
    dirtyIndex = 0;
    dirtyCount = 0;
    urgent = false;
    polledAddress = null;
    return null;
  }

  /** Where the datagram {@link #poll} returned last goes. */
  public InetSocketAddress polledAddress() {
    return polledAddress;
  }

  private void markDirty(Slot s) {
    if (s.dirty || s.removed) {
      return;
    }
    s.dirty = true;
    if (dirtyCount == dirty.length) {
      dirty = java.util.Arrays.copyOf(dirty, 2 * dirty.length);
    }
    dirty[dirtyCount++] = s;
  }

  /**
   * Whether a connection owes an acknowledgement that should go out before the rest of the read
   * batch is handled: it received so many packets since it last sent that the next ones would push
   * the oldest out of the 33 a header acknowledges. The caller polls (and writes) at once.
   */
  public boolean hasUrgentOutput() {
    return urgent; // handshake replies wait for the end of the batch like all other output
  }

  /**
   * When {@link #handleTimeout} next has work, or {@link Long#MAX_VALUE}; the minimum of the
   * deadlines on the wheel (connections with output waiting for a poll count as due now).
   */
  public long nextTimeoutNanos() {
    if (closed) {
      return Long.MAX_VALUE;
    }
    return dirtyIndex < dirtyCount ? Long.MIN_VALUE : wheel.nextDeadline();
  }

  /** Runs the timers of the connections whose deadline has come; they are polled next. */
  public void handleTimeout(long nowNanos) {
    if (closed) {
      return;
    }
    timerNow = nowNanos;
    wheel.expire(nowNanos, onDeadline);
  }

  /**
   * Queues a message for connection {@code connectionId}. Returns false if the connection is gone
   * or closed, or its channel queue is full; an unknown channel or an oversized message throws.
   */
  public boolean send(
      int connectionId,
      int channel,
      ByteBuf message,
      RealtimeConnection.MessageCallbacks callbacks) {
    return enqueue(connectionId, channel, message, callbacks, true);
  }

  /**
   * Like {@link #send}, sharing {@code message} instead of copying it ({@link
   * RealtimeConnection#sendShared}): a broadcast hands every connection the same bytes.
   */
  public boolean sendShared(
      int connectionId,
      int channel,
      ByteBuf message,
      RealtimeConnection.MessageCallbacks callbacks) {
    return enqueue(connectionId, channel, message, callbacks, false);
  }

  /**
   * Queues {@code message} for every open connection, sharing its bytes ({@link #sendShared}) and
   * without callbacks; returns how many connections took it (a connection whose channel queue is
   * full, or that is closing, does not). One pass over an array of the connections, so a broadcast
   * to n connections costs n enqueues and no per-connection lookup. An unknown channel or an
   * oversized message throws.
   */
  public int broadcastShared(int channel, ByteBuf message) {
    if (closed) {
      return 0;
    }
    if (liveStale) {
      live = byId.values().toArray(new Slot[0]);
      liveStale = false;
    }
    int n = 0;
    for (Slot s : live) {
      if (!s.removed && s.connection.sendShared(channel, message, null)) {
        markDirty(s);
        n++;
      }
    }
    return n;
  }

  private boolean enqueue(
      int connectionId,
      int channel,
      ByteBuf message,
      RealtimeConnection.MessageCallbacks callbacks,
      boolean copy) {
    Slot s = byId.get(connectionId);
    if (s == null || closed) {
      return false;
    }
    boolean queued =
        copy
            ? s.connection.send(channel, message, callbacks)
            : s.connection.sendShared(channel, message, callbacks);
    if (queued) {
      markDirty(s);
    }
    return queued;
  }

  /** Closes one connection, telling the peer {@code reasonCode} and {@code text}. */
  public void disconnect(long nowNanos, int connectionId, int reasonCode, String text) {
    Slot s = byId.get(connectionId);
    if (s != null) {
      s.connection.disconnect(nowNanos, reasonCode, text);
      markDirty(s);
    }
  }

  /** Closes every connection without telling the peers and releases every buffer. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Slot s : byId.values().toArray(new Slot[0])) {
      s.connection.close();
      retire(s);
    }
    byId.clear();
    byAddress.clear();
    live = new Slot[0];
    Outgoing o;
    while ((o = replies.pollFirst()) != null) {
      o.bytes().release();
    }
  }

  private void retire(Slot s) {
    RealtimeConnection c = s.connection;
    retiredMalformed += c.malformedPackets();
    retiredWrongToken += c.wrongTokenPackets();
    retiredDuplicates += c.duplicatePackets();
    retiredRejected += c.rejectedPackets();
  }

  // ------------------------------------------------------------------ state

  /**
   * What happened to every datagram received so far, including those of connections that are gone:
   * the endpoint's own drops plus each connection's malformed, wrong-token, duplicate and rejected
   * datagrams. Walks the connections: for monitoring, not for every tick.
   */
  public DatagramCounters counters() {
    long m = malformed + retiredMalformed;
    long w = wrongToken + retiredWrongToken;
    long dup = retiredDuplicates;
    long rej = retiredRejected;
    for (Slot s : byId.values()) {
      RealtimeConnection c = s.connection;
      m += c.malformedPackets();
      w += c.wrongTokenPackets();
      dup += c.duplicatePackets();
      rej += c.rejectedPackets();
    }
    return new DatagramCounters(
        received,
        notRealtime,
        m,
        tooShort,
        unknownAddress,
        w,
        dup,
        rej,
        challengesSent,
        challengesRefused,
        deniedSent,
        addressBusy,
        repliesDropped);
  }

  /** Established connections (not counting closed ones still sending their DISCONNECT). */
  public int connectionCount() {
    return byAddress.size();
  }

  /** Handshake replies waiting to be polled: the only memory unvalidated peers can cost. */
  public int pendingReplies() {
    return replies.size();
  }

  /** The address of a connection, or null. */
  public InetSocketAddress address(int connectionId) {
    Slot s = byId.get(connectionId);
    return s == null ? null : s.address;
  }

  /** A connection's statistics, or null if it is gone. */
  public ConnectionStats stats(int connectionId, long nowNanos) {
    Slot s = byId.get(connectionId);
    return s == null ? null : s.connection.stats(nowNanos);
  }

  int token(int connectionId) {
    Slot s = byId.get(connectionId);
    return s == null ? 0 : s.token;
  }

  /** Datagrams too short for a header or with another protocol id. */
  public long notRealtimeDatagrams() {
    return notRealtime;
  }

  /**
   * Datagrams with an unknown kind, a reserved flag, a bad connect token length or a kind only a
   * client receives.
   */
  public long malformedDatagrams() {
    return malformed;
  }

  /** Handshake requests shorter than the padded minimum. */
  public long unpaddedRequests() {
    return tooShort;
  }

  /** Payload, keepalive or disconnect datagrams from an address with no connection. */
  public long unknownAddressDatagrams() {
    return unknownAddress;
  }

  /** Datagrams from a connected address carrying another token (spoofed). */
  public long wrongTokenDatagrams() {
    return wrongToken;
  }

  public long challengesSent() {
    return challengesSent;
  }

  /** Challenge responses whose MAC did not verify or that were too old. */
  public long challengesRefused() {
    return challengesRefused;
  }

  public long deniedSent() {
    return deniedSent;
  }

  /** Verified responses with a new nonce from an address that is still connected. */
  public long addressBusyResponses() {
    return addressBusy;
  }

  /** Replies dropped because the queue was full (or a reply would not have been smaller). */
  public long repliesDropped() {
    return repliesDropped;
  }
}
