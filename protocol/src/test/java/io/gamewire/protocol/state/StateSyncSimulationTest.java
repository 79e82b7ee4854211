package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.gamewire.protocol.realtime.ConnectFailure;
import io.gamewire.protocol.realtime.RealtimeClientEndpoint;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeServerEndpoint;
import io.gamewire.testkit.Drive;
import io.gamewire.testkit.FakeClock;
import io.gamewire.testkit.LinkConditions;
import io.gamewire.testkit.SeedReporter;
import io.gamewire.testkit.SimEndpoint;
import io.gamewire.testkit.SimulatedNetwork;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Native state sync end to end on the sans-I/O stack: a game server (machine, store, sender over a
 * realtime server endpoint) and clients (receiver over a realtime client endpoint) on a simulated
 * link with loss, duplication, reordering and jitter, on fake time.
 */
@ExtendWith(SeedReporter.class)
class StateSyncSimulationTest {
  static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.1", 7777);
  static final byte[] KEY = "state-sync-simulation-key-0123456".getBytes();
  static final int CLIENTS = 4;

  final FakeClock clock = new FakeClock();

  /** The game: each tick moves every entity; MOVE(x) from a client sets its own entity. */
  final class Server implements SimEndpoint, RealtimeServerEndpoint.Listener {
    final GameStateStore store = new GameStateStore(Map.of("entities", Map.of(), "tick", 0), 100);
    final StateDeltaCodec codec = new StateDeltaCodec(StateCodecConfig.DEFAULT);
    final GameStateMachine machine =
        GameStateMachine.builder(store)
            .tickRate(50)
            .updateFilter(codec::quantize)
            .timeStep(
                (state, dt) -> {
                  Map<Object, Object> moved = new java.util.LinkedHashMap<>();
                  Map<?, ?> entities = (Map<?, ?>) state.get("entities");
                  for (Map.Entry<?, ?> e : entities.entrySet()) {
                    double x = (Double) e.getValue();
                    moved.put(e.getKey(), x + 0.25);
                  }
                  return Map.of("tick", (Long) state.get("tick") + 1, "entities", moved);
                })
            .handler(
                "MOVE",
                (e, state, dt) -> Map.of("entities", Map.of((long) e.clientId(), e.doubleArg(0))))
            .build();
    final StateSyncSender sync = new StateSyncSender(store, codec.encoder(), 1 << 18);
    final NativeStateFormat format = new NativeStateFormat(MsgpackLimits.DEFAULT);
    final RealtimeServerEndpoint ep;
    boolean running = true;

    Server(long seed) {
      ep =
          new RealtimeServerEndpoint(
              RealtimeConfig.defaults(),
              16,
              KEY,
              new SplittableRandom(seed),
              ByteBufAllocator.DEFAULT,
              this);
      machine.resume();
    }

    @Override
    public InetSocketAddress address() {
      return SERVER;
    }

    @Override
    public void onConnected(int id, InetSocketAddress address) {
      sync.addClient(id);
    }

    @Override
    public void onMessage(int id, int channel, ByteBuf message) {
      try {
        switch (NativeStateFormat.kind(message)) {
          case NativeStateFormat.EVENT -> machine.queueEvent(format.readEvent(message, id));
          case NativeStateFormat.RESYNC -> sync.resync(id, format.readResync(message));
          default -> throw new AssertionError("unexpected kind");
        }
      } catch (MalformedMessageException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    public void onDisconnected(int id, int code, String text, boolean byPeer) {
      sync.removeClient(id);
    }

    @Override
    public void handleDatagram(long now, InetSocketAddress from, byte[] datagram) {
      ep.handleDatagram(now, from, Unpooled.wrappedBuffer(datagram));
    }

    @Override
    public Outgoing pollDatagram(long now) {
      ByteBuf d = ep.poll(now); // polledAddress() belongs to this datagram
      return Outgoing.taking(ep.polledAddress(), d);
    }

    @Override
    public long nextTimeoutNanos() {
      long t = ep.nextTimeoutNanos();
      return running ? Math.min(t, Math.max(machine.nextTickNanos(), clock.nanos())) : t;
    }

    @Override
    public void handleTimeout(long now) {
      ep.handleTimeout(now);
      if (running && machine.tick(now)) {
        sync.poll(
            (id, bytes, cb) ->
                ep.send(id, NativeStateFormat.STATE_CHANNEL, Unpooled.wrappedBuffer(bytes), cb));
      }
    }
  }

  /**
   * A client that holds the state and sends a MOVE now and then. A lazy one offers updates and
   * settles only now and then (as a transport does at the end of a read batch), so that several
   * updates wait undecoded, and later ones are built on them.
   */
  static final class Client implements SimEndpoint, RealtimeClientEndpoint.Listener {
    final InetSocketAddress address;
    final RealtimeClientEndpoint ep;
    final StateSyncReceiver receiver = new StateSyncReceiver(StateCodecConfig.DEFAULT);
    final NativeStateFormat format = new NativeStateFormat(MsgpackLimits.DEFAULT);
    final List<Integer> applied = new ArrayList<>();
    final boolean lazy;
    final SplittableRandom batches;
    boolean connected;
    int resyncs;

    Client(InetSocketAddress address, long seed, boolean lazy) {
      this.address = address;
      this.lazy = lazy;
      this.batches = new SplittableRandom(seed * 31);
      ep =
          new RealtimeClientEndpoint(
              RealtimeConfig.defaults(),
              SERVER,
              new SplittableRandom(seed),
              ByteBufAllocator.DEFAULT,
              this);
    }

    void move(double x) {
      ByteBuf buf = Unpooled.buffer();
      format.writeEvent(buf, "MOVE", List.of(x), Map.of());
      ep.send(NativeStateFormat.EVENT_CHANNEL, buf, null);
      buf.release();
    }

    @Override
    public InetSocketAddress address() {
      return address;
    }

    @Override
    public void onConnected() {
      connected = true;
    }

    @Override
    public void onConnectFailed(ConnectFailure failure) {
      throw new AssertionError("connect failed: " + failure);
    }

    @Override
    public void onMessage(int channel, ByteBuf message) {
      try {
        StateSyncReceiver.Outcome o =
            lazy
                ? receiver.offer(0, message.duplicate())
                : receiver.onUpdate(0, message.duplicate());
        if (o == StateSyncReceiver.Outcome.APPLIED && !lazy) {
          applied.add(receiver.timeOrder());
        } else if (o == StateSyncReceiver.Outcome.RESYNC) {
          resyncs++;
          ByteBuf buf = Unpooled.buffer(3);
          format.writeResync(buf, receiver.timeOrder());
          ep.send(NativeStateFormat.EVENT_CHANNEL, buf, null);
          buf.release();
        }
      } catch (MalformedMessageException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    public void onDisconnected(int code, String text, boolean byPeer) {
      throw new AssertionError("disconnected: " + code + " " + text);
    }

    @Override
    public void handleDatagram(long now, InetSocketAddress from, byte[] datagram) {
      ep.handleDatagram(now, from, Unpooled.wrappedBuffer(datagram));
      if (lazy && batches.nextInt(4) == 0) {
        settle();
      }
    }

    void settle() {
      try {
        if (receiver.settle()) {
          applied.add(receiver.timeOrder());
        }
      } catch (MalformedMessageException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    public Outgoing pollDatagram(long now) {
      return Outgoing.taking(SERVER, ep.pollDatagram(now));
    }

    @Override
    public long nextTimeoutNanos() {
      return ep.nextTimeoutNanos();
    }

    @Override
    public void handleTimeout(long now) {
      ep.handleTimeout(now);
      if (lazy) {
        settle();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {20261123L, 7L, 99L})
  void everyClientConvergesOnTheServersStateAndNeverAppliesAnOlderUpdate(long seed) {
    SimulatedNetwork net =
        new SimulatedNetwork(clock, seed)
            .setDefaultConditions(
                LinkConditions.ideal()
                    .withLatency(Duration.ofMillis(30))
                    .withJitter(Duration.ofMillis(10))
                    .withLoss(0.2)
                    .withDuplication(0.05)
                    .withReorder(0.1, Duration.ofMillis(40)));
    Server server = new Server(seed);
    List<Client> clients = new ArrayList<>();
    List<SimEndpoint> nodes = new ArrayList<>(List.of(server));
    for (int i = 0; i < CLIENTS; i++) {
      Client c =
          new Client(new InetSocketAddress("10.0.1." + (i + 1), 50_000 + i), seed + i, i % 2 == 1);
      c.ep.connect(clock.nanos());
      clients.add(c);
      nodes.add(c);
    }
    Drive drive = Drive.of(clock, net, nodes.toArray(new SimEndpoint[0]));
    drive.until(Duration.ofSeconds(10), () -> clients.stream().allMatch(c -> c.connected));

    // Five seconds of play: the game ticks, clients move their entities now and then.
    long end = clock.nanos() + Duration.ofSeconds(5).toNanos();
    SplittableRandom random = new SplittableRandom(seed);
    while (clock.nanos() < end) {
      Client c = clients.get(random.nextInt(CLIENTS));
      c.move(random.nextInt(1000) / 4.0);
      long next = clock.nanos() + Duration.ofMillis(20).toNanos();
      drive.until(Duration.ofSeconds(1), () -> clock.nanos() >= next);
    }
    // The game stops changing; every client must reach exactly the server's final version.
    server.machine.pause();
    server.running = false;
    server.sync.poll(
        (id, bytes, cb) ->
            server.ep.send(id, NativeStateFormat.STATE_CHANNEL, Unpooled.wrappedBuffer(bytes), cb));
    int last = server.store.timeOrder();
    drive.until(
        Duration.ofSeconds(20),
        () -> {
          // Keep offering updates until every client confirmed the last version.
          server.sync.poll(
              (id, bytes, cb) ->
                  server.ep.send(
                      id, NativeStateFormat.STATE_CHANNEL, Unpooled.wrappedBuffer(bytes), cb));
          return clients.stream().allMatch(c -> c.receiver.timeOrder() == last);
        });

    for (Client c : clients) {
      assertThat(StateTree.deepEquals(c.receiver.state(), server.store.state()))
          .as("client %s holds the server's state", c.address)
          .isTrue();
      for (int i = 1; i < c.applied.size(); i++) {
        assertThat(TimeOrder.isNewer(c.applied.get(i), c.applied.get(i - 1)))
            .as("applied time orders only move forward")
            .isTrue();
      }
      // Most versions were skipped by deltas, not lost: the client applied many of them (a lazy
      // one shows only the newest at each settle).
      assertThat(c.applied.size()).isGreaterThan(c.lazy ? 20 : 50);
      if (c.lazy) {
        assertThat(c.receiver.decodes())
            .as("a lazy client leaves updates it never needed undecoded")
            .isLessThan(c.receiver.counts()[0]);
      }
    }
    assertThat(((Map<?, ?>) server.store.state().get("entities"))).hasSize(CLIENTS);
  }
}
