package io.gamewire.demo;

import io.gamewire.connector.LanAnnouncer;
import io.gamewire.transport.GameServer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The tile game on a {@link GameServer}: the rules of {@link TileGame} wired to its handlers, and
 * optionally a {@link LanAnnouncer} that lists it for LAN discovery as game {@value #LAN_GAME}.
 */
public final class TileServer implements AutoCloseable {
  public static final int DEFAULT_WIDTH = 64;
  public static final int DEFAULT_HEIGHT = 48;

  /** The game a tile server announces in LAN discovery answers. */
  public static final String LAN_GAME = "tiles";

  private final TileGame game;
  private final GameServer server;
  private final int maxPlayers;
  private LanAnnouncer lan;

  private TileServer(TileGame game, GameServer server, int maxPlayers) {
    this.game = game;
    this.server = server;
    this.maxPlayers = maxPlayers;
  }

  /**
   * Builds and starts a server on {@code bind} with a world from {@code seed}. {@code extras} may
   * add to the builder before it is built (a side protocol such as a connector registration).
   *
   * @throws java.io.UncheckedIOException when the address cannot be bound (its message says why)
   */
  public static TileServer start(
      String bind, long seed, int maxPlayers, UnaryOperator<GameServer.Builder> extras) {
    AtomicReference<GameServer> self = new AtomicReference<>();
    TileWorld world = TileWorld.generate(seed, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    TileGame game =
        new TileGame(
            world,
            maxPlayers,
            seed,
            (client, type, args) -> {
              GameServer s = self.get();
              if (s != null) {
                s.dispatch(client, type, args);
              }
            });
    GameServer.Builder b =
        GameServer.builder()
            .bind(bind)
            .tickRate(TileGame.TICK_RATE)
            .maxClients(Math.max(maxPlayers + 4, 16))
            .hostCanShutdown(false)
            .initialState(TileGame.initialState())
            .timeStep(game::timeStep)
            .on("JOIN", (e, state, dt) -> game.join(e, state))
            .on("MOVE", (e, state, dt) -> game.move(e, state))
            .on("BREAK", (e, state, dt) -> game.breakTile(e, state))
            .on("LEFT", (e, state, dt) -> game.leave(e, state))
            .listener(
                new GameServer.Listener() {
                  @Override
                  public void onLeave(int clientId, int code, String text) {
                    GameServer s = self.get();
                    if (s != null) {
                      s.queueEvent("LEFT", List.of((long) clientId), Map.of());
                    }
                  }
                });
    GameServer server = extras.apply(b).build();
    self.set(server);
    try {
      server.start();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return new TileServer(game, server, maxPlayers);
  }

  public TileGame game() {
    return game;
  }

  public GameServer server() {
    return server;
  }

  public InetSocketAddress localAddress() {
    return server.localAddress();
  }

  /** Players in the current state. */
  public int players() {
    return TileGame.players(server.state()).size();
  }

  /**
   * Answers LAN discovery queries on {@code discoveryPort} (0 for any free port, in tests) as
   * {@code serverName}, listing game {@value #LAN_GAME}, the players online and the capacity. A
   * server bound to one address announces on that address only (a loopback server is found from
   * this host alone); a server bound to the wildcard listens for broadcasts (and the IPv6 group).
   * The announcer closes with the server.
   *
   * @return the IPv4 discovery socket's address
   * @throws java.io.UncheckedIOException when the discovery port cannot be bound
   * @throws IllegalStateException when this server announces already
   */
  public synchronized InetSocketAddress announceOnLan(String serverName, int discoveryPort) {
    if (lan != null) {
      throw new IllegalStateException("this server is announced on the LAN already");
    }
    InetSocketAddress game = server.localAddress();
    boolean wildcard = game.getAddress().isAnyLocalAddress();
    String bindAddress =
        wildcard || !(game.getAddress() instanceof java.net.Inet4Address)
            ? "0.0.0.0"
            : game.getAddress().getHostAddress();
    lan =
        LanAnnouncer.builder(serverName, game.getPort())
            .port(discoveryPort)
            .bindAddress(bindAddress)
            .ipv6(wildcard)
            .listing(LAN_GAME, this::players, maxPlayers)
            .build()
            .start();
    return lan.localAddress();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (lan != null) {
        lan.close();
      }
    }
    server.close();
  }
}
