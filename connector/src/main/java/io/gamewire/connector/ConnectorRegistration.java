package io.gamewire.connector;

import static io.gamewire.connector.internal.MessageSchema.*;

import io.gamewire.connector.internal.ConnectorCodec;
import io.gamewire.connector.internal.ConnectorMessage;
import io.gamewire.connector.internal.InvalidMessageException;
import io.gamewire.connector.internal.LocalAddresses;
import io.gamewire.connector.internal.RetrySchedule;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.SideProtocol;
import io.gamewire.transport.SideSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A game server's side of a connector, attached to the server's realtime socket so that the
 * connector sees (and tells clients) the public endpoint of the very socket clients must reach:
 *
 * <pre>{@code
 * ConnectorRegistration registration =
 *     ConnectorRegistration.builder("my-game-1", connectorAddress)
 *         .freeSlots(() -> server.clientCount() < 8)
 *         .build();
 * RealtimeServer server = RealtimeServer.builder().bind("0.0.0.0:7777")
 *     .sideProtocol(registration).build().start();
 * registration.registered().get(5, SECONDS);
 * }</pre>
 *
 * <p>It sends addServer (resent on lan-caster's schedule until serverAdded), repeats it every
 * refresh interval while the server has free slots, sends delServer when the server is full or
 * closes, and on each connectInfo sends several spaced udpPunchThrough datagrams to the client's
 * public endpoint so that the server's NAT lets the client's handshake in. It also answers a
 * lan-caster client's joinRequest with a joinReply when given a {@link JoinHandler}.
 *
 * <p>Everything runs on the socket's I/O thread (docs/CONNECTOR.md, "Flows").
 */
public final class ConnectorRegistration implements SideProtocol {
  private static final Logger log = LoggerFactory.getLogger(ConnectorRegistration.class);

  /** Decides a lan-caster client's joinRequest: a player number, or a negative number to refuse. */
  @FunctionalInterface
  public interface JoinHandler {
    int join(InetSocketAddress from, String game, String playerDisplayName);
  }

  private final Builder b;
  private final CompletableFuture<Void> registered = new CompletableFuture<>();
  private final ConnectorCodec codec = new ConnectorCodec();
  private SideSocket socket;
  private long startNanos;
  private long nextMsgId = 1;
  private long pendingMsgId = -1;
  private int pendingTry;
  private byte[] pendingWire;
  private ScheduledFuture<?> resend;
  private ScheduledFuture<?> refresh;
  private boolean listed;
  private boolean refused;
  private volatile boolean detached;
  private volatile int punchesSent;

  private ConnectorRegistration(Builder b) {
    this.b = b;
  }

  /**
   * Registers under {@code serverName} (8..64 characters) with the connector at {@code connector}.
   */
  public static Builder builder(String serverName, InetSocketAddress connector) {
    return new Builder(serverName, connector);
  }

  /**
   * Completes at the first serverAdded; fails with a {@link ConnectorException} on the connector's
   * Error (name taken, list full) or when no answer came after every retry.
   */
  public CompletableFuture<Void> registered() {
    return registered;
  }

  /** udpPunchThrough datagrams sent so far. */
  public int punchesSent() {
    return punchesSent;
  }

  /** Sends delServer now and stops refreshing; the server stays up. Any thread. */
  public void unregister() {
    SideSocket s = socket;
    if (s != null) {
      s.loop().execute(this::stopAndDelete);
    }
  }

  @Override
  public boolean claims(ByteBuf datagram) {
    return ConnectorCodec.looksLikeZlib(datagram);
  }

  @Override
  public void onAttach(SideSocket socket) {
    this.socket = socket;
    this.startNanos = System.nanoTime();
    tick();
  }

  @Override
  public void onDetach() {
    detached = true;
    stopAndDelete();
    codec.close();
    if (!registered.isDone()) {
      registered.completeExceptionally(
          new ConnectorException(
              ConnectorException.Step.CONNECTOR_UNREACHABLE,
              "the server closed before the connector answered",
              null,
              null));
    }
  }

  private void stopAndDelete() {
    cancel(refresh);
    cancel(resend);
    refresh = null;
    resend = null;
    if (listed) {
      listed = false;
      send(
          b.connector,
          ConnectorMessage.of(DEL_SERVER).put("serverName", b.serverName).msgId(nextMsgId++));
    }
  }

  /** Every refresh interval: addServer while there are free slots, delServer once when full. */
  private void tick() {
    if (detached || refused) {
      return;
    }
    boolean free = b.freeSlots.getAsBoolean();
    if (free) {
      startRequest(addServer());
    } else if (listed) {
      listed = false;
      cancel(resend);
      send(
          b.connector,
          ConnectorMessage.of(DEL_SERVER).put("serverName", b.serverName).msgId(nextMsgId++));
    }
    refresh = socket.loop().schedule(this::tick, b.refresh.toNanos(), TimeUnit.NANOSECONDS);
  }

  private ConnectorMessage addServer() {
    InetSocketAddress local = socket.localAddress();
    InetAddress privateIp = b.privateIp;
    if (privateIp == null) {
      privateIp =
          local.getAddress().isAnyLocalAddress()
              ? LocalAddresses.toward(b.connector)
              : local.getAddress();
    }
    boolean lanCaster = b.game == null && b.metadata.isEmpty() && privateIp instanceof Inet4Address;
    ConnectorMessage m =
        ConnectorMessage.of(lanCaster ? ADD_SERVER : GW_ADD_SERVER)
            .put("serverName", b.serverName)
            .put("serverPrivateIP", privateIp.getHostAddress())
            .put("serverPrivatePort", local.getPort());
    if (!lanCaster) {
      m.put("game", b.game == null ? "" : b.game)
          .put("players", Math.max(0, Math.min(65535, b.players.getAsInt())))
          .put("capacity", b.capacity)
          .put("metadata", b.metadata);
    }
    return m;
  }

  private void startRequest(ConnectorMessage m) {
    cancel(resend);
    pendingMsgId = nextMsgId++;
    m.msgId(pendingMsgId);
    pendingWire = codec.encode(m);
    pendingTry = 0;
    sendPending();
  }

  private void sendPending() {
    if (detached) {
      return;
    }
    if (pendingTry >= RetrySchedule.TRIES) {
      pendingMsgId = -1;
      if (!registered.isDone()) {
        registered.completeExceptionally(
            new ConnectorException(
                ConnectorException.Step.CONNECTOR_UNREACHABLE,
                "connector "
                    + Addresses.format(b.connector)
                    + " did not answer addServer; retrying every "
                    + b.refresh.toSeconds()
                    + " s",
                null,
                null));
      }
      return;
    }
    socket.send(b.connector, Unpooled.wrappedBuffer(pendingWire));
    long wait = RetrySchedule.waitMillis(pendingTry++);
    resend = socket.loop().schedule(this::sendPending, wait, TimeUnit.MILLISECONDS);
  }

  @Override
  public void onDatagram(InetSocketAddress from, ByteBuf datagram) {
    if (detached) {
      return; // the codec is closed
    }
    ConnectorMessage m;
    try {
      m = codec.decode(datagram);
    } catch (InvalidMessageException e) {
      return; // bytes from the wire: dropped
    }
    boolean fromConnector = from.equals(b.connector);
    switch (m.type()) {
      case SERVER_ADDED -> {
        if (fromConnector && m.msgId() != null && m.msgId() == pendingMsgId) {
          cancel(resend);
          pendingMsgId = -1;
          listed = true;
          registered.complete(null);
        }
      }
      case ERROR -> {
        if (fromConnector && m.msgId() != null && m.msgId() == pendingMsgId) {
          cancel(resend);
          pendingMsgId = -1;
          refused = true;
          cancel(refresh);
          String text = m.string("result");
          log.warn("connector refused '{}': {}", b.serverName, text);
          registered.completeExceptionally(
              new ConnectorException(
                  ConnectorException.Step.CONNECTOR_ERROR,
                  "connector "
                      + Addresses.format(b.connector)
                      + " refused '"
                      + b.serverName
                      + "': "
                      + text,
                  text,
                  null));
        }
      }
      case CONNECT_INFO, GW_CONNECT_INFO -> {
        if (fromConnector && b.serverName.equals(m.string("serverName"))) {
          punch(m);
        }
      }
      case JOIN_REQUEST -> {
        if (b.joinHandler != null) {
          int player = b.joinHandler.join(from, m.string("game"), m.string("playerDisplayName"));
          if (player >= 0) {
            ConnectorMessage reply =
                ConnectorMessage.of(JOIN_REPLY)
                    .put("playerNumber", (long) player)
                    .put("serverSec", (System.nanoTime() - startNanos) / 1e9)
                    .put("testMode", false)
                    .msgId(m.msgId());
            send(from, reply);
          }
        }
      }
      default -> {
        // udpPunchThrough from a client, serverDeleted, others: nothing to do
      }
    }
  }

  /** Several spaced datagrams: the client may still be re-binding its port when the first goes. */
  private void punch(ConnectorMessage info) {
    InetSocketAddress client;
    try {
      client =
          new InetSocketAddress(
              InetAddress.getByName(info.string("clientPublicIP")), info.port("clientPublicPort"));
    } catch (java.net.UnknownHostException e) {
      return; // validated literal; cannot happen
    }
    byte[] wire = codec.encode(ConnectorMessage.of(UDP_PUNCH_THROUGH));
    for (int i = 0; i < b.punches; i++) {
      long delay = i * b.punchSpacing.toNanos();
      socket
          .loop()
          .schedule(
              () -> {
                if (!detached) {
                  socket.send(client, Unpooled.wrappedBuffer(wire));
                  punchesSent++;
                }
              },
              delay,
              TimeUnit.NANOSECONDS);
    }
  }

  private void send(InetSocketAddress to, ConnectorMessage m) {
    socket.send(to, Unpooled.wrappedBuffer(codec.encode(m)));
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  /** Configures a {@link ConnectorRegistration}. */
  public static final class Builder {
    private final String serverName;
    private final InetSocketAddress connector;
    private BooleanSupplier freeSlots = () -> true;
    private Duration refresh = Duration.ofSeconds(10);
    private InetAddress privateIp;
    private String game;
    private IntSupplier players = () -> 0;
    private int capacity;
    private Map<String, String> metadata = Map.of();
    private int punches = 5;
    private Duration punchSpacing = Duration.ofMillis(200);
    private JoinHandler joinHandler;

    private Builder(String serverName, InetSocketAddress connector) {
      this.serverName = Objects.requireNonNull(serverName, "serverName");
      int n = serverName.codePointCount(0, serverName.length());
      if (n < NAME_MIN || n > NAME_MAX) {
        throw new IllegalArgumentException(
            "server name must be " + NAME_MIN + ".." + NAME_MAX + " characters, was " + n);
      }
      this.connector = Objects.requireNonNull(connector, "connector");
      if (connector.isUnresolved()) {
        throw new IllegalArgumentException("connector address is unresolved: " + connector);
      }
    }

    /** Whether the server has room; registration is kept only while true (default: always). */
    public Builder freeSlots(BooleanSupplier free) {
      this.freeSlots = Objects.requireNonNull(free, "free");
      return this;
    }

    /** How often addServer is repeated (default 10 s; the connector forgets after 30 s). */
    public Builder refresh(Duration every) {
      if (every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("refresh must be positive");
      }
      this.refresh = every;
      return this;
    }

    /**
     * The IP to report as private (default: the socket's address, or if bound to a wildcard the
     * address this host uses toward the connector).
     */
    public Builder privateAddress(InetAddress ip) {
      this.privateIp = Objects.requireNonNull(ip, "ip");
      return this;
    }

    /**
     * Lists the server with a game name, player count and capacity (Gamewire connectors; this
     * registers with gwAddServer, which lan-caster connectors do not know).
     */
    public Builder listing(String game, IntSupplier players, int capacity) {
      if (game.length() > 32) {
        throw new IllegalArgumentException("game must be at most 32 characters");
      }
      if (capacity < 0 || capacity > 65535) {
        throw new IllegalArgumentException("capacity must be in 0..65535");
      }
      this.game = game;
      this.players = Objects.requireNonNull(players, "players");
      this.capacity = capacity;
      return this;
    }

    /** Custom key/value pairs for the list: at most 8, keys 1..32 and values 0..128 characters. */
    public Builder metadata(Map<String, String> metadata) {
      if (metadata.size() > METADATA_MAX_ENTRIES) {
        throw new IllegalArgumentException("at most " + METADATA_MAX_ENTRIES + " metadata entries");
      }
      metadata.forEach(
          (k, v) -> {
            if (k.isEmpty() || k.length() > METADATA_KEY_MAX || v.length() > METADATA_VALUE_MAX) {
              throw new IllegalArgumentException(
                  "metadata keys must be 1..32 and values 0..128 characters: " + k);
            }
          });
      this.metadata = new LinkedHashMap<>(metadata);
      return this;
    }

    /**
     * Punch-through datagrams per connectInfo and the time between them (default 5, 200 ms). Zero
     * sends none: for a server with a public address, and to show that NAT needs them.
     */
    public Builder punches(int count, Duration spacing) {
      if (count < 0 || count > 20) {
        throw new IllegalArgumentException("punch count must be in 0..20");
      }
      this.punches = count;
      this.punchSpacing = Objects.requireNonNull(spacing, "spacing");
      return this;
    }

    /** Answers lan-caster clients' joinRequest (default: not answered). */
    public Builder joinHandler(JoinHandler handler) {
      this.joinHandler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    public ConnectorRegistration build() {
      return new ConnectorRegistration(this);
    }
  }
}
