package io.gamewire.connector;

import static io.gamewire.connector.internal.MessageSchema.*;

import io.gamewire.connector.internal.ConnectorCodec;
import io.gamewire.connector.internal.ConnectorMessage;
import io.gamewire.connector.internal.InvalidMessageException;
import io.gamewire.transport.IoThreads;
import io.gamewire.transport.internal.EventLoops;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers LAN discovery queries for one game server: it listens on the discovery port (default
 * {@value #DEFAULT_PORT}, IPv4 broadcast; and the IPv6 link-local group {@value #IPV6_GROUP} where
 * an interface supports multicast) and answers each {@code discover} with a {@code serverHere}
 * (name, game port, game, players, capacity) no larger than the query (docs/CONNECTOR.md, section
 * 8). Several announcers on one host share the port (SO_REUSEADDR): each gets the broadcast.
 */
public final class LanAnnouncer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LanAnnouncer.class);

  public static final int DEFAULT_PORT = 20001;
  public static final String IPV6_GROUP = "ff02::4757";
  private static final int MAX_ANSWERS_PER_SECOND = 50;

  private final Builder b;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<Channel> channels = new ArrayList<>();
  private final ConnectorCodec codec = new ConnectorCodec(4096);
  private IoThreads ownThreads;
  private long windowStartNanos;
  private int answersInWindow;

  private LanAnnouncer(Builder b) {
    this.b = b;
  }

  /** Announces {@code serverName} (1..64 characters) whose game socket is on {@code gamePort}. */
  public static Builder builder(String serverName, int gamePort) {
    return new Builder(serverName, gamePort);
  }

  public LanAnnouncer start() {
    IoThreads threads = b.ioThreads;
    if (threads == null) {
      threads = ownThreads = IoThreads.create(1, "gamewire-lan-announcer");
    }
    Bootstrap v4 = bootstrap(threads);
    try {
      channels.add(v4.bind(new InetSocketAddress(b.bindAddress, b.port)).sync().channel());
    } catch (Exception e) {
      close();
      throw new UncheckedIOException(
          new BindException("cannot bind UDP port " + b.port + " for LAN discovery: " + e));
    }
    if (b.ipv6) {
      joinIpv6Group(threads);
    }
    return this;
  }

  private Bootstrap bootstrap(IoThreads threads) {
    return new Bootstrap()
        .group(threads.group())
        .channel(EventLoops.datagramChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.SO_BROADCAST, true)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048))
        .handler(new Handler());
  }

  /** Best effort: a host without IPv6 or multicast still answers over IPv4. */
  private void joinIpv6Group(IoThreads threads) {
    try {
      Channel ch = bootstrap(threads).bind(new InetSocketAddress("::", b.port)).sync().channel();
      channels.add(ch);
      InetAddress group = InetAddress.getByName(IPV6_GROUP);
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (ni.isUp() && ni.supportsMulticast()) {
          try {
            ((DatagramChannel) ch).joinGroup(new InetSocketAddress(group, b.port), ni).sync();
          } catch (Exception e) {
            log.debug("no IPv6 discovery on {}: {}", ni.getName(), e.toString());
          }
        }
      }
    } catch (Exception e) {
      log.debug("no IPv6 discovery: {}", e.toString());
    }
  }

  /** The IPv4 socket's address (with the real port when bound to port 0). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channels.get(0).localAddress();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (Channel ch : channels) {
      ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    synchronized (this) {
      codec.close(); // reads hold this lock, so none is decoding now
    }
    if (ownThreads != null) {
      ownThreads.close();
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      // The IPv4 and IPv6 sockets may run on different I/O threads; the codec is single-threaded.
      synchronized (LanAnnouncer.this) {
        if (!closed.get()) {
          answer(ctx, packet);
        }
      }
    }

    private void answer(ChannelHandlerContext ctx, DatagramPacket packet) {
      byte[] query = ByteBufUtil.getBytes(packet.content());
      ConnectorMessage m;
      try {
        m = codec.decode(query, 0, query.length);
      } catch (InvalidMessageException e) {
        return;
      }
      if (!m.type().equals(DISCOVER) || !underRate()) {
        return;
      }
      ConnectorMessage answer =
          ConnectorMessage.of(SERVER_HERE)
              .put("nonce", m.integer("nonce"))
              .put("serverName", b.serverName)
              .put("port", b.gamePort)
              .put("game", b.game)
              .put("players", Math.max(0, Math.min(65535, b.players.getAsInt())))
              .put("capacity", b.capacity);
      byte[] wire = codec.encode(answer);
      if (wire.length > query.length) {
        return; // never larger than the query: pad queries
      }
      ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(wire), packet.sender()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("discovery socket: {}", cause.toString());
    }
  }

  /** A global answer budget: a spoofed flood cannot make the announcer a reflector. */
  private boolean underRate() {
    long now = System.nanoTime();
    if (now - windowStartNanos >= 1_000_000_000L) {
      windowStartNanos = now;
      answersInWindow = 0;
    }
    return ++answersInWindow <= MAX_ANSWERS_PER_SECOND;
  }

  /** Configures a {@link LanAnnouncer}. */
  public static final class Builder {
    private final String serverName;
    private final int gamePort;
    private int port = DEFAULT_PORT;
    private String bindAddress = "0.0.0.0";
    private String game = "";
    private IntSupplier players = () -> 0;
    private int capacity;
    private boolean ipv6 = true;
    private IoThreads ioThreads;

    private Builder(String serverName, int gamePort) {
      this.serverName = Objects.requireNonNull(serverName, "serverName");
      if (serverName.isEmpty() || serverName.length() > NAME_MAX) {
        throw new IllegalArgumentException("server name must be 1..64 characters");
      }
      if (gamePort < MIN_PORT || gamePort > MAX_PORT) {
        throw new IllegalArgumentException("game port must be in 1..65000, was " + gamePort);
      }
      this.gamePort = gamePort;
    }

    /** The discovery port to listen on (default 20001; 0 for any, in tests). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The IPv4 address to listen on (default 0.0.0.0, which receives broadcasts). */
    public Builder bindAddress(String address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    public Builder listing(String game, IntSupplier players, int capacity) {
      if (game.length() > 32) {
        throw new IllegalArgumentException("game must be at most 32 characters");
      }
      this.game = game;
      this.players = Objects.requireNonNull(players, "players");
      this.capacity = capacity;
      return this;
    }

    /** Also listen on the IPv6 group (default true, best effort). */
    public Builder ipv6(boolean on) {
      this.ipv6 = on;
      return this;
    }

    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = Objects.requireNonNull(threads, "threads");
      return this;
    }

    public LanAnnouncer build() {
      return new LanAnnouncer(this);
    }
  }
}
