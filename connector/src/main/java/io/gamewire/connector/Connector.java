package io.gamewire.connector;

import io.gamewire.connector.internal.ConnectorCore;
import io.gamewire.transport.Addresses;
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
import io.netty.channel.socket.DatagramPacket;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connector: the rendezvous server that lets game servers and clients find each other by name and
 * punch through NAT, wire-compatible with lan-caster's connector (docs/CONNECTOR.md).
 *
 * <pre>{@code
 * try (Connector connector = Connector.builder().bind("0.0.0.0:20000").build().start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>One UDP socket on one I/O thread; every datagram is answered at once. The rules live in the
 * sans-I/O {@code ConnectorCore}.
 */
public final class Connector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Connector.class);

  public static final int DEFAULT_PORT = 20000;

  private final Builder b;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private ConnectorCore core;
  private IoThreads ownThreads;
  private Channel channel;

  private Connector(Builder b) {
    this.b = b;
  }

  /** A connector on {@code 0.0.0.0:20000} unless told otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the socket and starts answering.
   *
   * @throws UncheckedIOException with a {@link BindException} if the address is in use
   */
  public Connector start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("the connector was already started");
    }
    IoThreads threads = b.ioThreads;
    if (threads == null) {
      threads = ownThreads = IoThreads.create(1, "gamewire-connector");
    }
    core = new ConnectorCore(b.config, System.nanoTime());
    Bootstrap bootstrap =
        new Bootstrap()
            .group(threads.group())
            .channel(EventLoops.datagramChannel())
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048))
            .handler(new Handler());
    InetSocketAddress bind = new InetSocketAddress(b.bind.getHostString(), b.bind.getPort());
    try {
      channel = bootstrap.bind(bind).sync().channel();
    } catch (Exception e) {
      if (ownThreads != null) {
        ownThreads.close();
      }
      String why = e instanceof BindException ? "address in use or not available" : e.toString();
      throw new UncheckedIOException(
          new BindException("cannot bind UDP " + Addresses.format(bind) + ": " + why));
    }
    log.info("connector on {}", Addresses.format(localAddress()));
    return this;
  }

  /** The bound address (with the real port when bound to port 0). */
  public InetSocketAddress localAddress() {
    if (channel == null) {
      throw new IllegalStateException("the connector is not started");
    }
    return (InetSocketAddress) channel.localAddress();
  }

  /** The counters, read on the I/O thread. */
  public ConnectorStats stats() {
    ConnectorCore.Stats s = onLoop(() -> core.stats());
    return new ConnectorStats(
        s.received(),
        s.malformed(),
        s.rateLimited(),
        s.amplificationDropped(),
        s.ignored(),
        s.sent(),
        s.bytesIn(),
        s.bytesOut(),
        s.servers());
  }

  /** The registered servers, sorted by name. */
  public List<ServerInfo> servers() {
    return onLoop(
        () ->
            core.listings(System.nanoTime()).stream()
                .map(
                    l ->
                        new ServerInfo(
                            l.serverName(), l.game(), l.players(), l.capacity(), l.metadata()))
                .toList());
  }

  private <T> T onLoop(java.util.concurrent.Callable<T> task) {
    if (channel == null) {
      throw new IllegalStateException("the connector is not started");
    }
    try {
      return channel.eventLoop().submit(task).get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the connector's I/O thread did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public boolean isRunning() {
    return channel != null && channel.isOpen();
  }

  /** Closes the socket and the threads it owns. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (channel != null) {
      channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      try {
        channel.eventLoop().execute(core::close); // after the last read on the I/O thread
      } catch (java.util.concurrent.RejectedExecutionException e) {
        core.close(); // shared threads already stopped: no read can follow
      }
    }
    if (ownThreads != null) {
      ownThreads.close();
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      // At most 2048 bytes (the receive allocator's size); the core drops anything over 1500.
      byte[] bytes = ByteBufUtil.getBytes(packet.content());
      core.handleDatagram(System.nanoTime(), packet.sender(), bytes);
      ConnectorCore.Outgoing o;
      boolean any = false;
      while ((o = core.pollDatagram()) != null) {
        ctx.write(new DatagramPacket(Unpooled.wrappedBuffer(o.datagram()), o.to()));
        any = true;
      }
      if (any) {
        ctx.flush();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // ICMP port unreachable and the like on a UDP socket: not fatal for a connector.
      log.debug("connector socket: {}", cause.toString());
    }
  }

  /** Configures a {@link Connector}; every setting has a safe default. */
  public static final class Builder {
    private InetSocketAddress bind = new InetSocketAddress("0.0.0.0", DEFAULT_PORT);
    private ConnectorCore.Config config = ConnectorCore.Config.defaults();
    private IoThreads ioThreads;

    private Builder() {}

    /** {@code host:port} or {@code [v6]:port}; default {@code 0.0.0.0:20000}. */
    public Builder bind(String address) {
      return bind(Addresses.resolve(address, DEFAULT_PORT));
    }

    public Builder bind(InetSocketAddress address) {
      this.bind = Objects.requireNonNull(address, "address");
      return this;
    }

    /** At most this many registered names (default 100, as lan-caster). */
    public Builder maxServers(int n) {
      config = config.withMaxServers(n);
      return this;
    }

    /** Requests per second per IP address, and the burst above it (default 20/s, 40). */
    public Builder rateLimit(double perSecond, int burst) {
      config = config.withRate(perSecond, burst);
      return this;
    }

    /** How long a registration lives after its last addServer (default 30 s). */
    public Builder expiry(Duration d) {
      config =
          new ConnectorCore.Config(
              config.maxServers(),
              d.toNanos(),
              config.requestsPerSecond(),
              config.requestBurst(),
              config.maxTrackedAddresses(),
              config.excessBytesPerSecond(),
              config.excessBurstBytes(),
              config.connectInfosPerServerPerSecond());
      return this;
    }

    /** Shares I/O threads; the caller closes them after the connector. */
    public Builder ioThreads(IoThreads threads) {
      this.ioThreads = Objects.requireNonNull(threads, "threads");
      return this;
    }

    public Connector build() {
      return new Connector(this);
    }
  }
}
