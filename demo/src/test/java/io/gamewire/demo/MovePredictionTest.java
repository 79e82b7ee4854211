package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gamewire.protocol.state.GameEvent;
import io.gamewire.protocol.state.StateTree;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Prediction with replay against the real rules ({@link TileGame}) over a simulated link: inputs
 * reach the server and states reach the client after a seeded random delay of several ticks, in
 * order (the event channel and the state sync are both ordered). No sockets, no clock.
 */
class MovePredictionTest {
  static final double TICK = 1.0 / TileGame.TICK_RATE;
  static final double EPS = 1e-9;

  /** A message due at tick {@code at}. */
  record Due<T>(int at, T value) {}

  /** The server, one client and the link between them, stepped a tick at a time. */
  static final class Loop {
    final TileWorld world;
    final TileGame game;
    final List<Object[]> rejections = new ArrayList<>(); // {reason, seq}
    final MovePrediction prediction;
    final Random random;
    final int minDelayTicks;
    final int maxDelayTicks;
    final ArrayDeque<Due<MovePrediction.Input>> toServer = new ArrayDeque<>();
    final ArrayDeque<Due<Map<Object, Object>>> toClient = new ArrayDeque<>();
    final Map<Integer, MovePrediction.Input> sent = new HashMap<>();
    Map<Object, Object> state = StateTree.freeze(TileGame.initialState(), false);
    Map<Object, Object> tilesTheClientBelieves = Map.of();
    Map<Object, Object> clientView;
    long acked;
    double[] serverSeen;
    int tick;
    int lastToServer;
    int lastToClient;
    int reconciles;

    Loop(TileWorld world, double clientSpeed, long seed, int minDelayTicks, int maxDelayTicks) {
      this.world = world;
      this.game =
          new TileGame(
              world,
              4,
              1,
              (c, type, args) -> {
                if (type.equals("MOVE_REJECTED")) {
                  rejections.add(args);
                }
              });
      this.prediction = new MovePrediction(world, clientSpeed, TileClient.MAX_FRAME_SECONDS);
      this.random = new Random(seed);
      this.minDelayTicks = minDelayTicks;
      this.maxDelayTicks = maxDelayTicks;
      apply(game.join(new GameEvent("JOIN", List.of("p"), Map.of(), 1), state));
    }

    void apply(Map<?, ?> update) {
      state = StateTree.merge(state, StateTree.freeze(update, true));
    }

    void place(double x, double y) {
      apply(Map.of("players", Map.of(1L, Map.of("x", x, "y", y))));
    }

    /** Ordered delivery after a random delay. */
    int due(boolean up) {
      int at = tick + minDelayTicks + random.nextInt(maxDelayTicks - minDelayTicks + 1);
      at = Math.max(at, up ? lastToServer : lastToClient);
      if (up) {
        lastToServer = at;
      } else {
        lastToClient = at;
      }
      return at;
    }

    /**
     * One tick: the client takes the states due, reconciles (checking the correction) and walks
     * (dirX, dirY) if given; the server takes the inputs due, then ticks and sends its state.
     */
    void tick(double dirX, double dirY) {
      while (!toClient.isEmpty() && toClient.peekFirst().at() <= tick) {
        receive(toClient.removeFirst().value());
      }
      if (dirX != 0 || dirY != 0) {
        MovePrediction.Input in = prediction.step(dirX, dirY, TICK, clientView);
        if (in != null) {
          sent.put(in.seq(), in);
          toServer.addLast(new Due<>(due(true), in));
        }
      }
      while (!toServer.isEmpty() && toServer.peekFirst().at() <= tick) {
        MovePrediction.Input in = toServer.removeFirst().value();
        apply(
            game.move(
                new GameEvent("MOVE", List.of(in.dx(), in.dy(), (long) in.seq()), Map.of(), 1),
                state));
      }
      apply(game.timeStep(state, TICK));
      toClient.addLast(new Due<>(due(false), state));
      tick++;
    }

    private void receive(Map<Object, Object> s) {
      Map<Object, Object> view = new HashMap<>(s);
      Map<Object, Object> tiles = new HashMap<>((Map<?, ?>) s.get("tiles"));
      tiles.putAll(tilesTheClientBelieves);
      view.put("tiles", tiles);
      clientView = view;
      Map<?, ?> me = (Map<?, ?>) TileGame.players(s).get(1L);
      long newAck = (Long) me.get("seq");
      double[] before = prediction.position();
      serverSeen = TileGame.position(me);
      prediction.reconcile(serverSeen[0], serverSeen[1], newAck, view);
      double[] after = prediction.position();
      if (before != null) {
        // The correction is exactly the newly acknowledged inputs the server rejected: no snap
        // back to where the server had the player when it rejected one.
        double wrongX = 0;
        double wrongY = 0;
        for (Object[] r : rejections) {
          long seq = (Long) r[1];
          if (seq > acked && seq <= newAck) {
            wrongX += sent.get((int) seq).dx();
            wrongY += sent.get((int) seq).dy();
          }
        }
        assertThat(after[0]).as("x at tick %d", tick).isCloseTo(before[0] - wrongX, within(EPS));
        assertThat(after[1]).as("y at tick %d", tick).isCloseTo(before[1] - wrongY, within(EPS));
      }
      acked = newAck;
      reconciles++;
    }

    double[] server() {
      return TileGame.position(TileGame.players(state).get(1L));
    }

    /** Runs idle until every input is acknowledged and the client has the newest state. */
    void settle() {
      for (int i = 0; i < 4 * maxDelayTicks + 4; i++) {
        tick(0, 0);
      }
      assertThat(toServer).isEmpty();
    }
  }

  /** Finds a world with a straight run of {@code length} ground tiles in a row; {x, y, seed}. */
  static int[] run(int length) {
    for (int seed = 1; seed < 200; seed++) {
      TileWorld w = TileWorld.generate(seed, 64, 48);
      for (int y = 1; y < w.height() - 1; y++) {
        int count = 0;
        for (int x = 0; x < w.width(); x++) {
          count = w.tile(x, y) == TileWorld.GROUND ? count + 1 : 0;
          if (count == length) {
            return new int[] {x - length + 1, y, seed};
          }
        }
      }
    }
    throw new AssertionError("no world with " + length + " ground tiles in a row");
  }

  @Test
  void underADelayedServerThePredictionStaysAheadAndMatchesTheServerAfterTheLastAck() {
    int[] run = run(12);
    for (long seed = 1; seed <= 5; seed++) {
      Loop loop = new Loop(TileWorld.generate(run[2], 64, 48), TileClient.SPEED, seed, 3, 6);
      loop.place(run[0] + 0.5, run[1] + 0.5);
      loop.tick(0, 0); // the client learns where it is once the first state arrives
      while (!loop.prediction.placed()) {
        loop.tick(0, 0);
      }
      double step = TileClient.SPEED * TICK;
      int walked = 0;
      for (int i = 0; i < 40; i++) { // 40 steps of 0.2 tiles: 8 tiles
        double[] before = loop.prediction.position();
        loop.tick(1, 0);
        walked++;
        double[] now = loop.prediction.position();
        assertThat(now[0] - before[0])
            .as("seed %d: each frame walks one step, no snap (tick %d)", seed, loop.tick)
            .isCloseTo(step, within(EPS));
        if (i >= 12) { // the link is full of inputs by now
          assertThat(loop.prediction.pending()).as("seed %d", seed).isGreaterThan(0);
          assertThat(now[0] - loop.serverSeen[0])
              .as("seed %d: ahead of the server by the unacknowledged steps", seed)
              .isCloseTo(loop.prediction.pending() * step, within(1e-6));
        }
      }
      loop.settle();
      assertThat(loop.rejections).as("seed %d", seed).isEmpty();
      assertThat(loop.prediction.corrections()).as("seed %d: nothing to correct", seed).isZero();
      assertThat(loop.prediction.pending()).isZero();
      assertThat(loop.acked).isEqualTo(walked);
      assertThat(loop.prediction.position())
          .as("seed %d: exactly the server's position", seed)
          .containsExactly(loop.server());
      assertThat(loop.server()[0]).isCloseTo(run[0] + 0.5 + walked * step, within(1e-6));
    }
  }

  @Test
  void tooFastInputsAreCorrectedByTheirOwnStepsOnly() {
    int[] run = run(14);
    long seed = 11;
    // A client that walks 8 tiles/s: the server's 5 tiles/s budget rejects some of its inputs.
    Loop loop = new Loop(TileWorld.generate(run[2], 64, 48), 8.0, seed, 2, 5);
    loop.place(run[0] + 0.5, run[1] + 0.5);
    while (!loop.prediction.placed()) {
      loop.tick(0, 0);
    }
    for (int i = 0; i < 25; i++) {
      loop.tick(1, 0); // each reconcile checks the correction
    }
    loop.settle();
    assertThat(loop.rejections).as("seed %d", seed).isNotEmpty();
    assertThat(loop.rejections).allSatisfy(r -> assertThat(r[0]).isEqualTo("too fast"));
    assertThat(loop.prediction.corrections()).isPositive();
    assertThat(loop.prediction.largestCorrection()).isGreaterThan(0.3); // an 8 tiles/s step: 0.4
    assertThat(loop.prediction.pending()).isZero();
    assertThat(loop.prediction.position()).containsExactly(loop.server());
  }

  @Test
  void aBlockedInputIsCorrectedToWhereTheServerStopsThePlayer() {
    // A ground tile, ground, then a crate the client wrongly believes broken.
    long seed = 5;
    for (int worldSeed = 1; worldSeed < 200; worldSeed++) {
      TileWorld w = TileWorld.generate(worldSeed, 64, 48);
      for (int y = 1; y < w.height() - 1; y++) {
        for (int x = 1; x < w.width() - 4; x++) {
          if (w.tile(x, y) == TileWorld.GROUND
              && w.tile(x + 1, y) == TileWorld.GROUND
              && w.tile(x + 2, y) == TileWorld.CRATE
              && w.tile(x + 3, y) == TileWorld.GROUND) {
            Loop loop = new Loop(w, TileClient.SPEED, seed, 2, 5);
            loop.tilesTheClientBelieves = Map.of((long) w.index(x + 2, y), (long) TileWorld.GROUND);
            loop.place(x + 0.5, y + 0.5);
            while (!loop.prediction.placed()) {
              loop.tick(0, 0);
            }
            for (int i = 0; i < 12; i++) {
              loop.tick(1, 0);
            }
            loop.settle();
            assertThat(loop.rejections).isNotEmpty();
            assertThat(loop.rejections).allSatisfy(r -> assertThat(r[0]).isEqualTo("blocked"));
            double[] server = loop.server();
            assertThat(server[0]).isLessThan(x + 2).isGreaterThan(x + 1.5);
            assertThat(loop.prediction.position()).containsExactly(server);
            return;
          }
        }
      }
    }
    throw new AssertionError("no ground, ground, crate, ground in a row in any world");
  }

  @Test
  void inputsStopWhenTooManyAreInFlightAndAnAckFreesThem() {
    TileWorld w = TileWorld.generate(run(12)[2], 64, 48);
    int[] run = run(12);
    MovePrediction p = new MovePrediction(w, TileClient.SPEED, TileClient.MAX_FRAME_SECONDS);
    Map<Object, Object> state = StateTree.freeze(TileGame.initialState(), false);
    assertThat(p.step(1, 0, TICK, state)).as("not placed yet").isNull();
    p.reconcile(run[0] + 0.5, run[1] + 0.5, 0, state);
    int steps = 0;
    // Walk back and forth on the run until the limit.
    while (p.step(steps / 20 % 2 == 0 ? 1 : -1, 0, TICK, state) != null) {
      steps++;
      assertThat(steps).isLessThanOrEqualTo(MovePrediction.MAX_PENDING);
    }
    assertThat(steps).isEqualTo(MovePrediction.MAX_PENDING);
    p.reconcile(run[0] + 0.5, run[1] + 0.5, 10, state);
    assertThat(p.pending()).isEqualTo(MovePrediction.MAX_PENDING - 10);
    assertThat(p.step(1, 0, TICK, state)).isNotNull();
    assertThat(p.step(0, 0, TICK, state)).as("no direction").isNull();
  }
}
