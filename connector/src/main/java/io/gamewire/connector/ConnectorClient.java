package io.gamewire.connector;

import static io.gamewire.connector.internal.MessageSchema.*;

import io.gamewire.connector.internal.ConnectorCodec;
import io.gamewire.connector.internal.ConnectorMessage;
import io.gamewire.connector.internal.InvalidMessageException;
import io.gamewire.connector.internal.LocalAddresses;
import io.gamewire.connector.internal.RetrySchedule;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.GameClient;
import io.gamewire.transport.RealtimeClient;
import io.gamewire.transport.SideProtocol;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The client side of a connector: find a game server by name and join it through NAT, or list the
 * servers a connector knows.
 *
 * <pre>{@code
 * RealtimeClient client =
 *     ConnectorClient.builder(connectorAddress).build()
 *         .connect("my-game-1", server -> RealtimeClient.builder(server).listener(listener));
 * }</pre>
 *
 * <p>The question to the connector goes from the same local port the realtime connection then uses:
 * that port's NAT mapping is what the connector reported to the server, and what the server punched
 * a hole toward. Each call blocks; requests are resent on lan-caster's schedule.
 */
public final class ConnectorClient {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final InetSocketAddress connector;
  private final InetSocketAddress localAddress;
  private final int tries;

  private ConnectorClient(Builder b) {
    this.connector = b.connector;
    this.localAddress = b.localAddress;
    this.tries = b.tries;
  }

  public static Builder builder(InetSocketAddress connector) {
    return new Builder(connector);
  }

  /** {@code host:port} or {@code [v6]:port} (default port 20000). */
  public static Builder builder(String connector) {
    return new Builder(Addresses.resolve(connector, Connector.DEFAULT_PORT));
  }

  /**
   * Asks the connector for {@code serverName}'s endpoints, from a fresh socket on this client's
   * local address.
   *
   * @throws ConnectorException {@code CONNECTOR_UNREACHABLE} or {@code CONNECTOR_ERROR} (with the
   *     connector's text, e.g. "Server is not registered.")
   */
  public ConnectInfo lookup(String serverName) throws ConnectorException {
    Objects.requireNonNull(serverName, "serverName");
    try (DatagramSocket socket = open();
        ConnectorCodec codec = new ConnectorCodec()) {
      return lookup(socket, codec, serverName);
    } catch (ConnectorException e) {
      throw e;
    } catch (IOException e) {
      throw new ConnectorException(
          ConnectorException.Step.CONNECTOR_UNREACHABLE,
          "cannot ask connector " + Addresses.format(connector) + ": " + e.getMessage(),
          null,
          e);
    }
  }

  private ConnectInfo lookup(DatagramSocket socket, ConnectorCodec codec, String serverName)
      throws IOException {
    InetAddress privateIp = LocalAddresses.toward(connector);
    InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
    boolean lanCaster =
        privateIp instanceof Inet4Address && connector.getAddress() instanceof Inet4Address;
    ConnectorMessage request =
        ConnectorMessage.of(lanCaster ? GET_CONNET_INFO : GW_GET_CONNECT_INFO)
            .put("serverName", serverName)
            .put("clientPrivateIP", privateIp.getHostAddress())
            .put("clientPrivatePort", local.getPort());
    if (!lanCaster) {
      request.put("pad", randomPad(160)); // the answer is about this big: no amplification
    }
    ConnectorMessage reply =
        ask(
            socket,
            codec,
            request,
            m -> m.type().equals(CONNECT_INFO) || m.type().equals(GW_CONNECT_INFO),
            "connect info for '" + serverName + "'");
    return new ConnectInfo(
        reply.string("serverName"),
        endpoint(reply, "clientPrivate"),
        endpoint(reply, "clientPublic"),
        endpoint(reply, "serverPrivate"),
        endpoint(reply, "serverPublic"),
        local);
  }

  /**
   * Looks {@code serverName} up and connects a realtime client to the first of its {@linkplain
   * ConnectInfo#candidates() endpoints} whose handshake succeeds, one at a time: the attempts share
   * the local port whose NAT mapping the server punched toward, and one port carries one handshake.
   * {@code clients} makes the builder for an endpoint (listener, config, handshake timeout); this
   * call sets its local address.
   *
   * @throws ConnectorException saying which step failed
   */
  public RealtimeClient connect(
      String serverName, Function<InetSocketAddress, RealtimeClient.Builder> clients)
      throws ConnectorException {
    Objects.requireNonNull(clients, "clients");
    return firstAnswering(
        serverName,
        (candidate, bind) -> {
          RealtimeClient client =
              clients
                  .apply(candidate)
                  .localAddress(bind)
                  .sideProtocol(new SwallowConnectorDatagrams())
                  .build();
          try {
            return client.connect();
          } catch (IOException e) {
            client.close();
            throw e;
          }
        });
  }

  /**
   * {@link #connect} for a game: looks {@code serverName} up and connects a native-profile {@link
   * GameClient} to the first endpoint whose handshake succeeds, from the port the question was
   * asked from. {@code clients} makes the builder for an endpoint (handlers, quantum).
   *
   * @throws ConnectorException saying which step failed
   */
  public GameClient connectGame(
      String serverName, Function<InetSocketAddress, GameClient.Builder> clients)
      throws ConnectorException {
    Objects.requireNonNull(clients, "clients");
    return firstAnswering(
        serverName,
        (candidate, bind) ->
            clients
                .apply(candidate)
                .localAddress(bind)
                .sideProtocol(new SwallowConnectorDatagrams())
                .build()
                .connect());
  }

  /** One connection attempt to {@code candidate} from {@code bind}. */
  @FunctionalInterface
  private interface Attempt<T> {
    T connect(InetSocketAddress candidate, InetSocketAddress bind) throws IOException;
  }

  private <T> T firstAnswering(String serverName, Attempt<T> attempt) throws ConnectorException {
    ConnectInfo info = lookup(serverName);
    InetSocketAddress local = info.localAddress();
    List<String> failures = new ArrayList<>();
    IOException last = null;
    for (InetSocketAddress candidate : info.candidates()) {
      InetSocketAddress bind =
          new InetSocketAddress(
              candidate.getAddress() instanceof Inet4Address ? "0.0.0.0" : "::", local.getPort());
      try {
        return attempt.connect(candidate, bind);
      } catch (IOException e) {
        last = e;
        failures.add(Addresses.format(candidate) + " (" + e.getMessage() + ")");
      }
    }
    throw new ConnectorException(
        ConnectorException.Step.NO_ENDPOINT_ANSWERED,
        "no endpoint of server '" + serverName + "' answered: " + String.join(", ", failures),
        null,
        last);
  }

  /** Every server the connector lists, page by page (Gamewire connectors only). */
  public List<ServerInfo> listServers() throws ConnectorException {
    List<ServerInfo> all = new ArrayList<>();
    try (DatagramSocket socket = open();
        ConnectorCodec codec = new ConnectorCodec()) {
      ConnectorMessage first =
          ConnectorMessage.of(LIST_SERVERS)
              .put("start", 0)
              .put("maxBytes", 1200)
              .put("pad", randomPad(48));
      ConnectorMessage tokenReply =
          ask(socket, codec, first, m -> m.type().equals(LIST_TOKEN), "a list token");
      long token = tokenReply.integer("token");
      int start = 0;
      while (start >= 0) {
        ConnectorMessage page =
            ask(
                socket,
                codec,
                ConnectorMessage.of(LIST_SERVERS)
                    .put("start", start)
                    .put("maxBytes", 1200)
                    .put("token", token),
                m -> m.type().equals(SERVER_LIST),
                "the server list");
        for (Object o : (List<?>) page.get("servers")) {
          Map<?, ?> e = (Map<?, ?>) o;
          @SuppressWarnings("unchecked")
          Map<String, String> metadata = (Map<String, String>) e.get("metadata");
          all.add(
              new ServerInfo(
                  (String) e.get("serverName"),
                  (String) e.get("game"),
                  ((Long) e.get("players")).intValue(),
                  ((Long) e.get("capacity")).intValue(),
                  metadata));
        }
        int next = (int) page.integer("next");
        if (next >= 0 && next <= start) {
          break; // an entry too large for one page; never loop
        }
        start = next;
      }
      return all;
    } catch (ConnectorException e) {
      throw e;
    } catch (IOException e) {
      throw new ConnectorException(
          ConnectorException.Step.CONNECTOR_UNREACHABLE,
          "cannot ask connector " + Addresses.format(connector) + ": " + e.getMessage(),
          null,
          e);
    }
  }

  private DatagramSocket open() throws IOException {
    InetSocketAddress bind =
        localAddress != null
            ? localAddress
            : new InetSocketAddress(
                connector.getAddress() instanceof Inet4Address ? "0.0.0.0" : "::", 0);
    DatagramSocket socket = new DatagramSocket(null);
    try {
      socket.bind(bind);
    } catch (IOException e) {
      socket.close();
      throw new IOException("cannot bind UDP " + Addresses.format(bind) + ": " + e.getMessage(), e);
    }
    return socket;
  }

  /**
   * Sends {@code request} until a reply with its msgID comes from the connector: the awaited type,
   * or an Error.
   */
  private ConnectorMessage ask(
      DatagramSocket socket,
      ConnectorCodec codec,
      ConnectorMessage request,
      Predicate<ConnectorMessage> awaited,
      String what)
      throws IOException {
    long msgId = RANDOM.nextInt(1 << 30);
    request.msgId(msgId);
    byte[] wire = codec.encode(request);
    byte[] buffer = new byte[2048];
    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
    for (int attempt = 0; attempt < tries; attempt++) {
      socket.send(new DatagramPacket(wire, wire.length, connector));
      long deadline = System.nanoTime() + RetrySchedule.waitMillis(attempt) * 1_000_000L;
      while (true) {
        long leftMillis = (deadline - System.nanoTime()) / 1_000_000L;
        if (leftMillis <= 0) {
          break;
        }
        socket.setSoTimeout((int) leftMillis);
        try {
          socket.receive(in);
        } catch (SocketTimeoutException e) {
          break;
        }
        if (!connector.equals(in.getSocketAddress())) {
          continue; // punch-through or stray datagrams: not the answer
        }
        ConnectorMessage reply;
        try {
          reply = codec.decode(buffer, 0, in.getLength());
        } catch (InvalidMessageException e) {
          continue;
        }
        if (reply.msgId() == null || reply.msgId() != msgId) {
          continue;
        }
        if (reply.type().equals(ERROR)) {
          throw new ConnectorException(
              ConnectorException.Step.CONNECTOR_ERROR,
              "connector "
                  + Addresses.format(connector)
                  + " refused "
                  + what
                  + ": "
                  + reply.string("result"),
              reply.string("result"),
              null);
        }
        if (awaited.test(reply)) {
          return reply;
        }
      }
    }
    throw new ConnectorException(
        ConnectorException.Step.CONNECTOR_UNREACHABLE,
        "connector "
            + Addresses.format(connector)
            + " did not answer "
            + tries
            + " requests for "
            + what
            + "; is it running, and is UDP to it allowed?",
        null,
        null);
  }

  private static InetSocketAddress endpoint(ConnectorMessage m, String prefix) {
    // The schema checked these are IP literals, so no name lookup happens here.
    try {
      return new InetSocketAddress(
          InetAddress.getByName(m.string(prefix + "IP")), m.port(prefix + "Port"));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("validated IP literal did not parse", e);
    }
  }

  private static byte[] randomPad(int n) {
    byte[] pad = new byte[n];
    RANDOM.nextBytes(pad);
    return pad;
  }

  /**
   * Takes the server's udpPunchThrough datagrams (zlib, 0x78...) off the realtime client's socket
   * so that the realtime endpoint never sees them.
   */
  static final class SwallowConnectorDatagrams implements SideProtocol {
    @Override
    public boolean claims(ByteBuf datagram) {
      return ConnectorCodec.looksLikeZlib(datagram);
    }

    @Override
    public void onDatagram(InetSocketAddress from, ByteBuf datagram) {}
  }

  /** Configures a {@link ConnectorClient}. */
  public static final class Builder {
    private final InetSocketAddress connector;
    private InetSocketAddress localAddress;
    private int tries = RetrySchedule.TRIES;

    private Builder(InetSocketAddress connector) {
      this.connector = Objects.requireNonNull(connector, "connector");
      if (connector.isUnresolved()) {
        throw new IllegalArgumentException("connector address is unresolved: " + connector);
      }
    }

    /** The local address to ask from and join from (default: wildcard, any port). */
    public Builder localAddress(InetSocketAddress local) {
      this.localAddress = Objects.requireNonNull(local, "local");
      return this;
    }

    /** Requests sent before giving up (default 10, lan-caster's). */
    public Builder tries(int n) {
      if (n < 1 || n > 100) {
        throw new IllegalArgumentException("tries must be in 1..100, was " + n);
      }
      this.tries = n;
      return this;
    }

    public ConnectorClient build() {
      return new ConnectorClient(this);
    }
  }
}
