package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gamewire.protocol.state.GameEvent;
import io.gamewire.protocol.state.StateTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's authority: every join, move and break is checked against the rules. */
class TileGameTest {
  static final long SEED = 42;
  static final double TICK = 1.0 / TileGame.TICK_RATE;

  record Reply(int client, String type, List<Object> args) {}

  final List<Reply> replies = new ArrayList<>();
  TileWorld world;
  TileGame game;
  Map<Object, Object> state;

  @BeforeEach
  void setUp() {
    world = TileWorld.generate(SEED, 64, 48);
    game =
        new TileGame(world, 3, SEED, (c, t, a) -> replies.add(new Reply(c, t, Arrays.asList(a))));
    state = StateTree.freeze(TileGame.initialState(), false);
  }

  private void apply(Map<?, ?> update) {
    state = StateTree.merge(state, StateTree.freeze(update, true));
  }

  private void event(int client, String type, Object... args) {
    GameEvent e = new GameEvent(type, List.of(args), Map.of(), client);
    apply(
        switch (type) {
          case "JOIN" -> game.join(e, state);
          case "MOVE" -> game.move(e, state);
          case "BREAK" -> game.breakTile(e, state);
          case "LEFT" -> game.leave(e, state);
          default -> throw new IllegalArgumentException(type);
        });
  }

  private final Map<Integer, Long> seqs = new java.util.HashMap<>();

  /** {@code MOVE(dx, dy, seq)} with the client's next input number. */
  private void move(int client, double dx, double dy) {
    event(client, "MOVE", dx, dy, seqs.merge(client, 1L, Long::sum));
  }

  private long seq(long id) {
    return (Long) ((Map<?, ?>) TileGame.players(state).get(id)).get("seq");
  }

  private void ticks(int n) {
    for (int i = 0; i < n; i++) {
      apply(game.timeStep(state, TICK));
    }
  }

  private Reply last() {
    return replies.get(replies.size() - 1);
  }

  private double[] pos(long id) {
    return TileGame.position(TileGame.players(state).get(id));
  }

  /** Teleports player {@code id} to the centre of (tx, ty), as a test fixture. */
  private void place(long id, int tx, int ty) {
    apply(Map.of("players", Map.of(id, Map.of("x", tx + 0.5, "y", ty + 0.5))));
  }

  /** A ground tile whose right neighbour is ground too. */
  private int[] openPair() {
    for (int y = 1; y < world.height() - 1; y++) {
      for (int x = 1; x < world.width() - 2; x++) {
        if (world.tile(x, y) == TileWorld.GROUND && world.tile(x + 1, y) == TileWorld.GROUND) {
          return new int[] {x, y};
        }
      }
    }
    throw new AssertionError("no open ground in the test world");
  }

  @Test
  void joinWelcomesWithTheCompressedMapAndSpawnsOnGround() {
    event(1, "JOIN", "alice");
    Reply r = last();
    assertThat(r.type()).isEqualTo("WELCOME");
    assertThat(r.args()).startsWith(1L, 64L, 48L);
    TileWorld received = TileWorld.inflate(64, 48, (byte[]) r.args().get(3));
    assertThat(received.sameTiles(world)).isTrue();
    double[] p = pos(1);
    assertThat(world.tile((int) p[0], (int) p[1])).isEqualTo(TileWorld.GROUND);
  }

  @Test
  void nobodySpawnsWalledIn() {
    for (int client = 1; client <= 3; client++) {
      event(client, "JOIN", "p" + client);
      double[] p = pos(client);
      assertThat(game.openArea(state, (int) p[0], (int) p[1])).isEqualTo(TileGame.SPAWN_AREA);
    }
    // Ground walled in on four sides (walls set through the state's tile changes) is no spawn.
    int[] open = openPair();
    int x = open[0];
    int y = open[1];
    long wall = TileWorld.WALL;
    apply(
        Map.of(
            "tiles",
            Map.of(
                (long) world.index(x + 1, y), wall,
                (long) world.index(x - 1, y), wall,
                (long) world.index(x, y + 1), wall,
                (long) world.index(x, y - 1), wall)));
    assertThat(game.openArea(state, x, y)).isEqualTo(1);
  }

  @Test
  void namesMustBeValidAndUnique() {
    event(1, "JOIN", "alice");
    for (String bad : List.of("", "a b", "x".repeat(17), "über", "semi;colon")) {
      event(2, "JOIN", bad);
      assertThat(last().type()).as(bad).isEqualTo("JOIN_REFUSED");
      assertThat(last().args().get(0)).as(bad).isEqualTo(TileGame.INVALID_NAME);
    }
    event(2, "JOIN", 17L);
    assertThat(last().args().get(0)).isEqualTo(TileGame.INVALID_NAME);
    event(2, "JOIN", "ALICE");
    assertThat(last().args())
        .containsExactly(TileGame.NAME_TAKEN, "the name 'ALICE' is taken; choose another");
    event(2, "JOIN", "x".repeat(16));
    assertThat(last().type()).isEqualTo("WELCOME");
    event(2, "JOIN", "again");
    assertThat(last().args().get(0)).isEqualTo(TileGame.ALREADY_JOINED);
    assertThat(TileGame.players(state)).hasSize(2);
  }

  @Test
  void aFullServerRefusesAndTakesPlayersAgainAfterOneLeaves() {
    event(1, "JOIN", "a");
    event(2, "JOIN", "b");
    event(3, "JOIN", "c");
    event(4, "JOIN", "d");
    assertThat(last())
        .isEqualTo(
            new Reply(
                4,
                "JOIN_REFUSED",
                List.of(TileGame.SERVER_FULL, "the server is full (3 players)")));
    event(2, "LEFT", 1L); // only the server may say who left
    assertThat(TileGame.players(state)).hasSize(3);
    event(GameEvent.SERVER, "LEFT", 2L);
    assertThat(TileGame.players(state)).doesNotContainKey(2L).hasSize(2);
    event(4, "JOIN", "d");
    assertThat(last().type()).isEqualTo("WELCOME");
  }

  @Test
  void aMoveWithinTheSpeedLimitIsAcceptedAndAFasterOneRejected() {
    event(1, "JOIN", "alice");
    assertThat(seq(1)).isZero();
    int[] open = openPair();
    place(1, open[0], open[1]);
    ticks(1); // 0.25 tiles of budget
    move(1, 0.2, 0.0);
    assertThat(pos(1)).containsExactly(open[0] + 0.5 + 0.2, open[1] + 0.5);
    assertThat(seq(1)).isEqualTo(1);

    ticks(1);
    move(1, 0.7, 0.0); // 0.7 tiles in one tick: 14 tiles/s
    assertThat(last()).isEqualTo(new Reply(1, "MOVE_REJECTED", List.of("too fast", 2L)));
    assertThat(pos(1)).containsExactly(open[0] + 0.5 + 0.2, open[1] + 0.5);
    assertThat(seq(1)).as("a rejected move is processed too").isEqualTo(2);
    assertThat(game.rejectedMoves()).isEqualTo(1);
  }

  @Test
  void aMoveNeedsASeqAboveTheLastOneAndFiniteSteps() {
    event(1, "JOIN", "alice");
    int[] open = openPair();
    place(1, open[0], open[1]);
    ticks(10);
    event(1, "MOVE", 0.1, 0.0, 5L);
    assertThat(seq(1)).isEqualTo(5);
    double[] at = pos(1);
    for (long stale : new long[] {5L, 4L, 0L, -1L}) {
      event(1, "MOVE", 0.1, 0.0, stale);
      assertThat(last())
          .isEqualTo(
              new Reply(
                  1,
                  "MOVE_REJECTED",
                  List.of("seq " + stale + " is not above the last move's 5", -1L)));
    }
    event(1, "MOVE", 0.1, 0.0, (long) Integer.MAX_VALUE + 1);
    assertThat(last().args().get(0)).asString().startsWith("seq 2147483648 is not above");
    assertThat(seq(1)).isEqualTo(5);
    assertThat(pos(1)).containsExactly(at);

    event(1, "MOVE", 3L, 3L, 6L);
    assertThat(last().args().get(0)).asString().startsWith("a move is MOVE(dx, dy, seq)");
    event(1, "MOVE", 0.1, 0.0);
    assertThat(last().args().get(0)).asString().startsWith("a move is MOVE(dx, dy, seq)");
    event(1, "MOVE", Double.NaN, 0.0, 6L);
    assertThat(last().args().get(0)).asString().startsWith("a move is MOVE(dx, dy, seq)");
    event(1, "MOVE", Double.POSITIVE_INFINITY, 0.0, 6L);
    assertThat(last().args().get(0)).asString().startsWith("a move is MOVE(dx, dy, seq)");
    assertThat(seq(1)).as("malformed moves acknowledge nothing").isEqualTo(5);
    assertThat(pos(1)).containsExactly(at);
  }

  @Test
  void savedUpMovementIsCappedSoIdlingDoesNotAllowATeleport() {
    event(1, "JOIN", "alice");
    int[] open = openPair();
    place(1, open[0], open[1]);
    ticks(TileGame.TICK_RATE * 10); // ten idle seconds
    double cap = TileGame.MAX_SPEED * TileGame.MAX_BURST_SECONDS;
    move(1, 0.0, cap + 0.01);
    assertThat(last().type()).isEqualTo("MOVE_REJECTED");
  }

  @Test
  void burstsOfMovesSpendOneBudget() {
    event(1, "JOIN", "alice");
    int[] open = openPair();
    place(1, open[0], open[1]);
    ticks(2); // 0.5 tiles
    move(1, 0.25, 0.0);
    move(1, 0.25, 0.0);
    assertThat(pos(1)[0]).isEqualTo(open[0] + 1.0);
    move(1, 0.1, 0.0); // budget spent within the same tick
    assertThat(last().args().get(0)).isEqualTo("too fast");
  }

  @Test
  void movesIntoWallsWaterOrCratesOrOffTheMapAreRejected() {
    event(1, "JOIN", "alice");
    ticks(100);
    // Find a ground tile next to each blocking kind and walk into it.
    for (byte kind : new byte[] {TileWorld.WALL, TileWorld.WATER, TileWorld.CRATE}) {
      int[] spot = besideOf(kind);
      place(1, spot[0], spot[1]);
      ticks(100);
      move(1, 1.0, 0.0);
      assertThat(last().args().get(0)).as("into kind %d", kind).isEqualTo("blocked");
    }
    double[] at = pos(1);
    for (double[] off :
        new double[][] {
          {-at[0] - 0.1, 0}, {0, -at[1] - 0.1}, {64.01 - at[0], 0}, {0, 48.01 - at[1]}
        }) {
      ticks(100);
      move(1, off[0], off[1]);
      assertThat(last().args().get(0)).as("by %s", Arrays.toString(off)).isEqualTo("off the map");
    }
  }

  /** A ground tile whose right neighbour is of {@code kind}. */
  private int[] besideOf(byte kind) {
    for (int y = 1; y < world.height() - 1; y++) {
      for (int x = 1; x < world.width() - 2; x++) {
        if (world.tile(x, y) == TileWorld.GROUND && world.tile(x + 1, y) == kind) {
          return new int[] {x, y};
        }
      }
    }
    throw new AssertionError("no ground beside kind " + kind);
  }

  @Test
  void aPlayerMovesOnlyItself() {
    event(1, "JOIN", "alice");
    event(2, "JOIN", "bob");
    double[] bob = pos(2);
    ticks(10);
    // Client 1's MOVE moves client 1's player: there is no way to name another.
    move(1, 0.1, 0.0);
    assertThat(pos(2)).containsExactly(bob[0], bob[1]);
    assertThat(seq(2)).isZero();
    move(3, 0.1, 0.1); // not joined: ignored
    assertThat(TileGame.players(state)).hasSize(2);
  }

  @Test
  void breaksNeedABreakableTileWithinReach() {
    event(1, "JOIN", "alice");
    int[] crate = besideOf(TileWorld.CRATE);
    int cx = crate[0] + 1;
    int cy = crate[1];
    // Out of reach: three tiles away.
    int[] far = farGroundFrom(cx, cy);
    place(1, far[0], far[1]);
    event(1, "BREAK", (long) cx, (long) cy);
    assertThat(last().args()).containsExactly("out of reach");
    assertThat(TileGame.tile(world, state, cx, cy)).isEqualTo(TileWorld.CRATE);

    place(1, crate[0], crate[1]);
    event(1, "BREAK", -1L, 0L);
    assertThat(last().args()).containsExactly("off the map");
    event(1, "BREAK", 1.0, 2.0);
    assertThat(last().args().get(0)).asString().startsWith("a break is BREAK(tx, ty)");

    event(1, "BREAK", (long) cx, (long) cy);
    assertThat(TileGame.tile(world, state, cx, cy)).isEqualTo(TileWorld.GROUND);
    assertThat(state.get("tiles"))
        .isEqualTo(Map.of((long) world.index(cx, cy), (long) TileWorld.GROUND));
    event(1, "BREAK", (long) cx, (long) cy); // broken already
    assertThat(last().args()).containsExactly("not breakable");
  }

  @Test
  void wallsAndWaterCannotBeBroken() {
    event(1, "JOIN", "alice");
    for (byte kind : new byte[] {TileWorld.WALL, TileWorld.WATER, TileWorld.GROUND}) {
      int[] spot = besideOf(kind);
      place(1, spot[0], spot[1]);
      event(1, "BREAK", (long) spot[0] + 1, (long) spot[1]);
      assertThat(last())
          .as("kind %d", kind)
          .isEqualTo(new Reply(1, "BREAK_REJECTED", List.of("not breakable")));
    }
    assertThat(game.rejectedBreaks()).isEqualTo(3);
  }

  private int[] farGroundFrom(int tx, int ty) {
    for (int y = 1; y < world.height() - 1; y++) {
      for (int x = 1; x < world.width() - 1; x++) {
        double d = Math.hypot(x - tx, y - ty);
        if (world.tile(x, y) == TileWorld.GROUND && d > TileGame.REACH + 0.5 && d < 4) {
          return new int[] {x, y};
        }
      }
    }
    throw new AssertionError("no ground 2.5..4 tiles away");
  }

  @Test
  void maxPlayersMustBePositive() {
    assertThatThrownBy(() -> new TileGame(world, 0, 1, (c, t, a) -> {}))
        .hasMessageContaining("maxPlayers must be at least 1");
  }
}
