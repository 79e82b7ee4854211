package io.gamewire.demo;

import io.gamewire.protocol.state.GameEvent;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.GameClient;
import io.gamewire.transport.IoThreads;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A player of the tile game: joins by name, holds the map the server sent and predicts its own
 * movement with the server's rules ({@link MovePrediction}): each new state from the server
 * reconciles the prediction, the server's position for this player with the inputs it has not
 * processed yet replayed on top. A rejected move is corrected by the next state.
 *
 * <p>Threads: {@link #move} and {@link #breakTile} from one thread (a bot's or the window's); the
 * rest from any thread.
 */
public final class TileClient implements AutoCloseable {
  /** How fast a client walks, in tiles per second: a little under the server's limit. */
  public static final double SPEED = 4.0;

  /** Longest frame a move covers, so a stalled client does not ask for a jump. */
  static final double MAX_FRAME_SECONDS = 0.05;

  private final GameClient client;
  private final long id;
  private final String name;
  private final TileWorld world;
  private final Object lock = new Object();
  private final MovePrediction prediction;
  private Map<Object, Object> reconciled; // the state the prediction last reconciled with
  private final AtomicLong rejectedMoves = new AtomicLong();
  private final AtomicLong rejectedBreaks = new AtomicLong();

  private TileClient(GameClient client, long id, String name, TileWorld world) {
    this.client = client;
    this.id = id;
    this.name = name;
    this.world = world;
    this.prediction = new MovePrediction(world, SPEED, MAX_FRAME_SECONDS);
  }

  /**
   * Connects to {@code server}, joins as {@code name} and waits for the map.
   *
   * @param threads shared I/O threads, or null for the client's own
   * @throws JoinRefusedException when the server refuses the name (taken, invalid, server full)
   * @throws IOException when the server is unreachable, sends a bad map or does not answer
   */
  public static TileClient join(InetSocketAddress server, String name, IoThreads threads)
      throws IOException {
    return join(direct(server), name, threads);
  }

  /**
   * How a client reaches the server: it takes a builder factory (the target endpoint to a
   * configured {@link GameClient.Builder}) and returns a connected client. {@link #direct} dials an
   * address; a connector lookup can try several endpoints in turn.
   */
  @FunctionalInterface
  public interface Dialer {
    GameClient dial(java.util.function.Function<InetSocketAddress, GameClient.Builder> builders)
        throws IOException;

    /** What the dialer reaches, for messages. */
    default String describe() {
      return "the server";
    }
  }

  /** A dialer that connects to {@code server}. */
  public static Dialer direct(InetSocketAddress server) {
    return new Dialer() {
      @Override
      public GameClient dial(
          java.util.function.Function<InetSocketAddress, GameClient.Builder> builders)
          throws IOException {
        GameClient client = builders.apply(server).build();
        try {
          return client.connect();
        } catch (IOException | RuntimeException e) {
          client.close();
          throw e;
        }
      }

      @Override
      public String describe() {
        return Addresses.format(server);
      }
    };
  }

  /**
   * Connects through {@code dialer}, joins as {@code name} and waits for the map.
   *
   * @param threads shared I/O threads, or null for the client's own
   * @throws JoinRefusedException when the server refuses the name (taken, invalid, server full)
   * @throws IOException when the server is unreachable, sends a bad map or does not answer
   */
  public static TileClient join(Dialer dialer, String name, IoThreads threads) throws IOException {
    CompletableFuture<GameEvent> welcome = new CompletableFuture<>();
    TileClient[] self = new TileClient[1];
    java.util.function.Function<InetSocketAddress, GameClient.Builder> builders =
        target -> {
          GameClient.Builder b =
              GameClient.builder(target)
                  .on("WELCOME", welcome::complete)
                  .on(
                      "JOIN_REFUSED",
                      e ->
                          welcome.completeExceptionally(
                              new JoinRefusedException(
                                  String.valueOf(e.arg(0)), String.valueOf(e.arg(1)))))
                  .on(
                      "MOVE_REJECTED",
                      e -> {
                        if (self[0] != null) {
                          self[0].rejectedMoves.incrementAndGet();
                        }
                      })
                  .on(
                      "BREAK_REJECTED",
                      e -> {
                        if (self[0] != null) {
                          self[0].rejectedBreaks.incrementAndGet();
                        }
                      });
          if (threads != null) {
            b.ioThreads(threads);
          }
          return b;
        };
    GameClient client = dialer.dial(builders);
    try {
      client.dispatch("JOIN", name);
      GameEvent e = welcome.get(10, TimeUnit.SECONDS);
      TileWorld world;
      if (!(e.arg(0) instanceof Long id)
          || !(e.arg(1) instanceof Long w)
          || !(e.arg(2) instanceof Long h)
          || !(e.arg(3) instanceof byte[] blob)
          || w > TileWorld.MAX_SIDE
          || h > TileWorld.MAX_SIDE) {
        throw new IOException("the server sent a malformed WELCOME");
      }
      try {
        world = TileWorld.inflate(w.intValue(), h.intValue(), blob);
      } catch (IllegalArgumentException bad) {
        throw new IOException("the server sent a bad map: " + bad.getMessage());
      }
      TileClient c = new TileClient(client, id, name, world);
      self[0] = c;
      return c;
    } catch (ExecutionException ex) {
      client.close();
      throw ex.getCause() instanceof IOException io ? io : new IOException(ex.getCause());
    } catch (TimeoutException ex) {
      client.close();
      throw new IOException(
          "joined " + dialer.describe() + " but got no answer to JOIN within 10 s");
    } catch (InterruptedException ex) {
      client.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while joining");
    } catch (IOException | RuntimeException ex) {
      client.close();
      throw ex;
    }
  }

  public long id() {
    return id;
  }

  public String name() {
    return name;
  }

  /** The map as generated (see {@link #tile} for the tiles now). */
  public TileWorld world() {
    return world;
  }

  public GameClient client() {
    return client;
  }

  /** The newest state from the server. */
  public Map<Object, Object> state() {
    return client.state();
  }

  /** The tile at (x, y) now. */
  public int tile(int x, int y) {
    return TileGame.tile(world, client.state(), x, y);
  }

  /** Where this player is, predicted; null before the server has placed it. */
  public double[] position() {
    synchronized (lock) {
      reconcile(client.state());
      return prediction.position();
    }
  }

  /** Moves sent that the server has not processed yet (as of the newest state). */
  public int pendingMoves() {
    synchronized (lock) {
      reconcile(client.state());
      return prediction.pending();
    }
  }

  /**
   * Times a new state moved the predicted position (the server disagreed with the prediction), and
   * the largest such correction in tiles: {corrections, largest}.
   */
  public double[] corrections() {
    synchronized (lock) {
      return new double[] {prediction.corrections(), prediction.largestCorrection()};
    }
  }

  /**
   * Reconciles with {@code state} if it is newer than the last one (states are immutable, so a new
   * object is a new update). Holds {@link #lock}.
   */
  private void reconcile(Map<Object, Object> state) {
    if (state == reconciled) {
      return;
    }
    reconciled = state;
    Object me = TileGame.players(state).get(id);
    double[] p = TileGame.position(me);
    if (p != null && me instanceof Map<?, ?> m && m.get("seq") instanceof Long acked) {
      prediction.reconcile(p[0], p[1], acked, state);
    }
  }

  /** The other players' positions, by id, as the newest state says. */
  public Map<Long, double[]> others() {
    return others(client.state());
  }

  /** The other players' positions, by id, as {@code state} says. */
  public Map<Long, double[]> others(Map<Object, Object> state) {
    Map<Long, double[]> out = new HashMap<>();
    for (Map.Entry<Object, Object> e : TileGame.players(state).entrySet()) {
      double[] p = TileGame.position(e.getValue());
      if (p != null && e.getKey() instanceof Long other && other != id) {
        out.put(other, p);
      }
    }
    return out;
  }

  /**
   * Walks in direction (dx, dy) for {@code dt} seconds at {@link #SPEED}, sliding along a blocked
   * axis; predicts the result and sends it. Returns false when nothing moved (blocked, or not in
   * play yet).
   */
  public boolean move(double dx, double dy, double dt) {
    MovePrediction.Input in;
    synchronized (lock) {
      Map<Object, Object> state = client.state();
      reconcile(state);
      in = prediction.step(dx, dy, dt, state);
    }
    return in != null && client.dispatch("MOVE", in.dx(), in.dy(), (long) in.seq());
  }

  /** Asks to break the tile (tx, ty); false if it is not breakable or not within reach here. */
  public boolean breakTile(int tx, int ty) {
    double[] p = position();
    if (p == null
        || !TileWorld.breakable(tile(tx, ty))
        || Math.hypot(tx + 0.5 - p[0], ty + 0.5 - p[1]) > TileGame.REACH) {
      return false;
    }
    return client.dispatch("BREAK", (long) tx, (long) ty);
  }

  public long rejectedMoves() {
    return rejectedMoves.get();
  }

  public long rejectedBreaks() {
    return rejectedBreaks.get();
  }

  public boolean isConnected() {
    return client.isConnected();
  }

  /** Leaves the server cleanly. */
  @Override
  public void close() {
    client.disconnect(false);
  }
}
