package io.gamewire.protocol.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The client side of one realtime connection (docs/PROTOCOL.md section 3), sans-I/O. {@link
 * #connect} starts the handshake: a padded CONNECT_REQUEST repeated every resend interval (±25 %,
 * drawn at random) until a CHALLENGE with our nonce arrives, then a padded CHALLENGE_RESPONSE
 * repeated until ACCEPTED or DENIED, all within the connect timeout. ACCEPTED creates the {@link
 * RealtimeConnection} with the server's token; from then on datagrams, timers, sends and
 * disconnects go to it.
 *
 * <p>Every {@code connect} ends in exactly one of {@link Listener#onConnected} and {@link
 * Listener#onConnectFailed}. Datagrams from any address but the server's, and handshake replies
 * that do not echo our nonce, are counted and dropped. Not thread-safe.
 */
public final class RealtimeClientEndpoint implements AutoCloseable {

  /** Receives the client's events; callbacks run inside the endpoint's calls. */
  public interface Listener {
    void onConnected();

    void onConnectFailed(ConnectFailure failure);

    /** A message; {@code message} is valid during the call only. */
    void onMessage(int channel, ByteBuf message);

    void onDisconnected(int reasonCode, String text, boolean byPeer);
  }

  /** Where the client is in its life. */
  public enum State {
    IDLE,
    REQUESTING,
    RESPONDING,
    CONNECTED,
    CLOSED
  }

  private final RealtimeConfig config;
  private final HandshakeConfig handshake;
  private final InetSocketAddress server;
  private final RandomGenerator random;
  private final ByteBufAllocator alloc;
  private final Listener listener;

  private final RealtimeConnection.Listener connectionListener =
      new RealtimeConnection.Listener() {
        @Override
        public void onMessage(int channel, ByteBuf message) {
          listener.onMessage(channel, message);
        }

        @Override
        public void onDisconnected(int reasonCode, String text, boolean byPeer) {
          state = State.CLOSED;
          listener.onDisconnected(reasonCode, text, byPeer);
        }
      };

  private State state = State.IDLE;
  private long nonce;
  private long deadline;
  private long nextSendAt;
  private long challengeTimestamp;
  private long challengeReceivedAt;
  private final byte[] challengeMac = new byte[ChallengeMinter.MAC_BYTES];
  private RealtimeConnection connection;
  private int token;

  private final DropLog dropLog = new DropLog("realtime client");
  private long foreign;
  private long ignored;

  public RealtimeClientEndpoint(
      RealtimeConfig config,
      InetSocketAddress server,
      RandomGenerator random,
      ByteBufAllocator alloc,
      Listener listener) {
    this(config, HandshakeConfig.defaults(), server, random, alloc, listener);
  }

  /**
   * @param random the source of client nonces
   */
  public RealtimeClientEndpoint(
      RealtimeConfig config,
      HandshakeConfig handshake,
      InetSocketAddress server,
      RandomGenerator random,
      ByteBufAllocator alloc,
      Listener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.handshake = Objects.requireNonNull(handshake, "handshake");
    this.server = Objects.requireNonNull(server, "server");
    this.random = Objects.requireNonNull(random, "random");
    this.alloc = Objects.requireNonNull(alloc, "alloc");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** Starts the handshake; the first request goes out at the next poll. Call once. */
  public void connect(long nowNanos) {
    if (state != State.IDLE) {
      throw new IllegalStateException(
          "connect was already called (state " + state + "); use a new endpoint to reconnect");
    }
    state = State.REQUESTING;
    nonce = random.nextLong();
    deadline = nowNanos + handshake.connectTimeoutNanos();
    nextSendAt = nowNanos;
  }

  // ------------------------------------------------------------------ receiving

  /**
   * A datagram from {@code from}. The caller keeps ownership of {@code datagram}. Never throws for
   * its contents.
   */
  public void handleDatagram(long nowNanos, InetSocketAddress from, ByteBuf datagram) {
    if (!server.equals(from)) {
      foreign++;
      dropLog.dropped(nowNanos, "not from the server's address", from);
      return;
    }
    if (!RealtimeHeader.isRealtime(datagram)
        || RealtimeHeader.kind(datagram) == null
        || !RealtimeHeader.flagsValid(datagram, RealtimeHeader.kind(datagram))) {
      ignored++;
      dropLog.dropped(nowNanos, "not a realtime datagram, unknown kind or reserved flag", from);
      return;
    }
    int body = datagram.readerIndex() + RealtimeHeader.BYTES;
    int n = datagram.readableBytes();
    switch (RealtimeHeader.kind(datagram)) {
      case CHALLENGE -> {
        if ((state == State.REQUESTING || state == State.RESPONDING)
            && n >= Handshake.CHALLENGE_BYTES
            && datagram.getLong(body) == nonce) {
          challengeTimestamp = datagram.getLong(body + 8);
          challengeReceivedAt = nowNanos;
          datagram.getBytes(body + 16, challengeMac, 0, ChallengeMinter.MAC_BYTES);
          if (state == State.REQUESTING) {
            state = State.RESPONDING;
            nextSendAt = nowNanos;
          }
        } else {
          ignored++;
        }
      }
      case ACCEPTED -> {
        if (state == State.RESPONDING
            && n >= Handshake.ACCEPTED_BYTES
            && datagram.getLong(body) == nonce) {
          onAccepted(nowNanos, datagram, body);
        } else {
          ignored++;
        }
      }
      case DENIED -> {
        if ((state == State.REQUESTING || state == State.RESPONDING)
            && n >= Handshake.DENIED_BYTES
            && datagram.getLong(body) == nonce) {
          fail(ConnectFailure.fromDeniedReason(datagram.getUnsignedByte(body + 8)));
        } else {
          ignored++;
        }
      }
      case PAYLOAD, KEEPALIVE, DISCONNECT -> {
        if (connection != null) {
          RealtimeConnection c = connection;
          long bad =
              c.malformedPackets()
                  + c.duplicatePackets()
                  + c.rejectedPackets()
                  + c.wrongTokenPackets();
          c.handleDatagram(nowNanos, datagram);
          if (c.malformedPackets()
                  + c.duplicatePackets()
                  + c.rejectedPackets()
                  + c.wrongTokenPackets()
              != bad) {
            dropLog.dropped(
                nowNanos, "malformed, repeated, wrong token or on an unknown channel", from);
          }
        } else {
          ignored++;
          dropLog.dropped(nowNanos, "connection datagram before ACCEPTED", from);
        }
      }
      default -> ignored++;
    }
  }

  private void onAccepted(long now, ByteBuf d, int body) {
    int maxDatagram = d.getUnsignedShort(body + 8);
    long keepalive = d.getUnsignedShort(body + 10) * 1_000_000L;
    long timeout = d.getUnsignedShort(body + 12) * 1_000_000L;
    RealtimeConfig adopted;
    try {
      // Keep the smaller MTU, and the server's keepalive and timeout so both ends agree.
      adopted =
          new RealtimeConfig(
              Math.min(config.mtuBytes(), maxDatagram),
              config.channels(),
              config.maxMessageBytes(),
              keepalive,
              timeout,
              config.reliableWindow(),
              config.maxQueuedMessages(),
              config.unreliableTimeoutNanos(),
              config.reliableGiveUpNanos(),
              config.maxMessagesPerDatagram(),
              config.congestion(),
              config.maxAckDelayNanos());
    } catch (IllegalArgumentException e) {
      fail(ConnectFailure.BAD_ACCEPT);
      return;
    }
    token = RealtimeHeader.token(d);
    connection = new RealtimeConnection(adopted, token, now, alloc, connectionListener);
    state = State.CONNECTED;
    listener.onConnected();
  }

  private void fail(ConnectFailure failure) {
    state = State.CLOSED;
    listener.onConnectFailed(failure);
  }

  // ------------------------------------------------------------------ sending and timers

  /** The next datagram to send to the server now, or null. The caller owns (and releases) it. */
  public ByteBuf pollDatagram(long nowNanos) {
    if (connection != null) {
      return connection.pollDatagram(nowNanos);
    }
    if ((state != State.REQUESTING && state != State.RESPONDING) || nowNanos < nextSendAt) {
      return null;
    }
    if (nowNanos - deadline >= 0) {
      return null; // handleTimeout reports the failure
    }
    if (state == State.RESPONDING
        && nowNanos - challengeReceivedAt >= handshake.challengeValidityNanos() / 2) {
      // The server refuses a challenge older than its validity, silently. Rather than echo a
      // stale one until the connect timeout (a slow or lossy path can take that long), ask for a
      // fresh challenge with the same nonce; the next CHALLENGE moves us back to RESPONDING.
      state = State.REQUESTING;
    }
    // Jittered (0.75 to 1.25 of the interval): clients started together must not retry in
    // lockstep, or their padded requests arrive as one burst every interval and overflow buffers.
    long interval = handshake.resendIntervalNanos();
    nextSendAt = nowNanos + interval - interval / 4 + random.nextLong(interval / 2 + 1);
    return state == State.REQUESTING
        ? Handshake.connectRequest(alloc, handshake.minRequestBytes(), nonce)
        : Handshake.challengeResponse(
            alloc, handshake.minRequestBytes(), nonce, challengeTimestamp, challengeMac);
  }

  /** When {@link #handleTimeout} (or a poll) next has work, or {@link Long#MAX_VALUE}. */
  public long nextTimeoutNanos() {
    if (connection != null) {
      return connection.nextTimeoutNanos();
    }
    if (state == State.REQUESTING || state == State.RESPONDING) {
      return Math.min(nextSendAt, deadline);
    }
    return Long.MAX_VALUE;
  }

  public void handleTimeout(long nowNanos) {
    if (connection != null) {
      connection.handleTimeout(nowNanos);
    } else if ((state == State.REQUESTING || state == State.RESPONDING)
        && nowNanos - deadline >= 0) {
      fail(ConnectFailure.TIMED_OUT);
    }
  }

  /**
   * Queues a message to the server; false if the connection has closed or the channel queue is
   * full. Before the connection is established this is a caller mistake and throws.
   */
  public boolean send(int channel, ByteBuf message, RealtimeConnection.MessageCallbacks callbacks) {
    RealtimeConnection c = connectionForSend();
    return c != null && c.send(channel, message, callbacks);
  }

  /** Like {@link #send}, sharing {@code message} ({@link RealtimeConnection#sendShared}). */
  public boolean sendShared(
      int channel, ByteBuf message, RealtimeConnection.MessageCallbacks callbacks) {
    RealtimeConnection c = connectionForSend();
    return c != null && c.sendShared(channel, message, callbacks);
  }

  /** The connection, null once closed; sending before connecting is a caller mistake. */
  private RealtimeConnection connectionForSend() {
    if (connection == null && state != State.CLOSED) {
      throw new IllegalStateException(
          "not connected yet (state " + state + "): wait for Listener.onConnected");
    }
    return connection;
  }

  /**
   * Closes the connection telling the server {@code reasonCode} and {@code text}; during the
   * handshake, abandons it ({@link ConnectFailure#CANCELLED}).
   */
  public void disconnect(long nowNanos, int reasonCode, String text) {
    if (connection != null) {
      connection.disconnect(nowNanos, reasonCode, text);
    } else if (state == State.REQUESTING || state == State.RESPONDING) {
      fail(ConnectFailure.CANCELLED);
    } else {
      state = State.CLOSED;
    }
  }

  /** Closes without telling the server and releases every buffer. Idempotent. */
  @Override
  public void close() {
    if (connection != null) {
      connection.close();
    } else if (state == State.REQUESTING || state == State.RESPONDING) {
      fail(ConnectFailure.CANCELLED);
    } else {
      state = State.CLOSED;
    }
  }

  // ------------------------------------------------------------------ state

  public State state() {
    return state;
  }

  public boolean isConnected() {
    return state == State.CONNECTED;
  }

  /** The token the server assigned, or 0 before ACCEPTED. */
  public int token() {
    return token;
  }

  public InetSocketAddress server() {
    return server;
  }

  /** The established connection's statistics, or null before it exists. */
  public ConnectionStats stats(long nowNanos) {
    return connection == null ? null : connection.stats(nowNanos);
  }

  /** Datagrams from an address other than the server's. */
  public long foreignDatagrams() {
    return foreign;
  }

  /** Datagrams from the server that were malformed, unexpected now, or carried another nonce. */
  public long ignoredDatagrams() {
    return ignored;
  }
}
