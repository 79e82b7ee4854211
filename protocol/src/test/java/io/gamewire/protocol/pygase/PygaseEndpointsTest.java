package io.gamewire.protocol.pygase;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.realtime.CongestionController;
import io.gamewire.protocol.realtime.RealtimeConnection.MessageCallbacks;
import io.gamewire.protocol.state.GameStatus;
import io.gamewire.protocol.state.StateTree;
import io.gamewire.protocol.state.TimeOrder;
import io.gamewire.testkit.Drive;
import io.gamewire.testkit.FakeClock;
import io.gamewire.testkit.Hex;
import io.gamewire.testkit.LinkConditions;
import io.gamewire.testkit.SeedReporter;
import io.gamewire.testkit.SimEndpoint;
import io.gamewire.testkit.SimulatedNetwork;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SeedReporter.class)
class PygaseEndpointsTest {
  static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.1", 8080);
  static final InetSocketAddress C1 = new InetSocketAddress("10.0.1.1", 50001);
  static final InetSocketAddress C2 = new InetSocketAddress("10.0.1.2", 50002);
  static final long MS = 1_000_000L;
  static final long SECOND = 1000 * MS;

  final FakeClock clock = new FakeClock();

  static final class ServerEvents implements PygaseServerEndpoint.Listener {
    final List<Integer> joined = new ArrayList<>();
    final List<Boolean> hosts = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final List<Integer> left = new ArrayList<>();
    final List<Integer> shutdowns = new ArrayList<>();

    @Override
    public void onClientJoined(int clientId, InetSocketAddress address, boolean host) {
      joined.add(clientId);
      hosts.add(host);
    }

    @Override
    public void onEvent(int clientId, PygaseEvent event) {
      events.add(clientId + ":" + event.type() + event.args() + event.kwargs());
    }

    @Override
    public void onClientLeft(int clientId) {
      left.add(clientId);
    }

    @Override
    public void onShutdownRequested(int hostClientId) {
      shutdowns.add(hostClientId);
    }
  }

  /** Checks that every applied state is newer than the one before. */
  static final class ClientEvents implements PygaseClientEndpoint.Listener {
    int connected;
    final List<Integer> applied = new ArrayList<>();
    final List<PygaseEvent> events = new ArrayList<>();
    Boolean timedOut;
    Map<Object, Object> state;

    @Override
    public void onConnected() {
      connected++;
    }

    @Override
    public void onStateChanged(Map<Object, Object> s, int timeOrder, GameStatus status) {
      if (!applied.isEmpty()) {
        int last = applied.get(applied.size() - 1);
        assertThat(TimeOrder.isNewer(timeOrder, last))
            .as("applied %d after %d", timeOrder, last)
            .isTrue();
      }
      applied.add(timeOrder);
      state = s;
    }

    @Override
    public void onEvent(PygaseEvent event) {
      events.add(event);
    }

    @Override
    public void onDisconnected(boolean timedOut) {
      assertThat(this.timedOut).as("disconnected once").isNull();
      this.timedOut = timedOut;
    }
  }

  /** Callbacks that record which of the two ran, and when. */
  final class Outcome implements MessageCallbacks {
    int acked;
    int timedOut;
    long at = -1;

    @Override
    public void onAcked() {
      acked++;
      at = clock.nanos();
    }

    @Override
    public void onTimedOut() {
      timedOut++;
      at = clock.nanos();
    }
  }

  /** The server endpoint plus an optional game tick that changes the state. */
  static final class ServerNode implements SimEndpoint {
    final PygaseServerEndpoint ep;
    final UpdateLog log;
    Runnable tick;
    long tickEveryNanos;
    long nextTick;
    int datagramsOut;

    ServerNode(PygaseServerEndpoint ep, UpdateLog log) {
      this.ep = ep;
      this.log = log;
    }

    @Override
    public InetSocketAddress address() {
      return SERVER;
    }

    @Override
    public void handleDatagram(long now, InetSocketAddress from, byte[] datagram) {
      ep.handleDatagram(now, from, Unpooled.wrappedBuffer(datagram));
    }

    @Override
    public Outgoing pollDatagram(long now) {
      PygaseServerEndpoint.Outgoing o = ep.pollDatagram(now);
      if (o == null) {
        return null;
      }
      datagramsOut++;
      return Outgoing.taking(o.to(), o.bytes());
    }

    @Override
    public long nextTimeoutNanos() {
      long t = ep.nextTimeoutNanos();
      return tick == null ? t : Math.min(t, nextTick);
    }

    @Override
    public void handleTimeout(long now) {
      if (tick != null && now >= nextTick) {
        tick.run();
        nextTick = now + tickEveryNanos;
      }
      ep.handleTimeout(now);
    }
  }

  record ClientNode(InetSocketAddress address, PygaseClientEndpoint ep) implements SimEndpoint {
    @Override
    public void handleDatagram(long now, InetSocketAddress from, byte[] datagram) {
      ep.handleDatagram(now, from, Unpooled.wrappedBuffer(datagram));
    }

    @Override
    public Outgoing pollDatagram(long now) {
      return Outgoing.taking(ep.server(), ep.pollDatagram(now));
    }

    @Override
    public long nextTimeoutNanos() {
      return ep.nextTimeoutNanos();
    }

    @Override
    public void handleTimeout(long now) {
      ep.handleTimeout(now);
    }
  }

  static PygaseServerEndpoint server(PygaseStateSource source, ServerEvents events) {
    return server(PygaseConfig.defaults(), source, events);
  }

  static PygaseServerEndpoint server(
      PygaseConfig config, PygaseStateSource source, ServerEvents events) {
    return new PygaseServerEndpoint(config, source, ByteBufAllocator.DEFAULT, events);
  }

  static PygaseClientEndpoint client(ClientEvents events) {
    return new PygaseClientEndpoint(
        PygaseConfig.defaults(), SERVER, ByteBufAllocator.DEFAULT, events);
  }

  static byte[] bytes(ByteBuf b) {
    try {
      return ByteBufUtil.getBytes(b);
    } finally {
      b.release();
    }
  }

  // ------------------------------------------------------------------ the captured exchange

  @Test
  void firstExchangeReproducesTheCapturedDatagrams() {
    Map<Object, Object> state = new LinkedHashMap<>();
    state.put("pos", 0);
    state.put("f", 0.5);
    state.put("nested", Map.of("a", 1));
    Map<Object, Object> frozen = StateTree.freeze(state, false);
    List<Integer> asked = new ArrayList<>();
    PygaseServerEndpoint s =
        server(
            t -> {
              asked.add(t);
              return t == 0
                  ? new PygaseUpdate(26, GameStatus.ACTIVE, frozen)
                  : new PygaseUpdate(28, null, StateTree.EMPTY);
            },
            new ServerEvents());
    ClientEvents ce = new ClientEvents();
    PygaseClientEndpoint c = client(ce);
    long t = clock.nanos();
    c.connect(t);
    byte[] first = bytes(c.pollDatagram(t));
    assertThat(Hex.format(first)).isEqualTo(Hex.format(Hex.parse(PygaseCodecTest.CLIENT_FIRST)));
    assertThat(c.pollDatagram(t)).as("one package per interval").isNull();

    s.handleDatagram(t, C1, Unpooled.wrappedBuffer(first));
    PygaseServerEndpoint.Outgoing o = s.pollDatagram(t);
    assertThat(o.to()).isEqualTo(C1);
    byte[] reply = bytes(o.bytes());
    assertThat(Hex.format(reply)).isEqualTo(Hex.format(Hex.parse(PygaseCodecTest.SERVER_FIRST)));
    assertThat(asked).containsExactly(0);

    c.handleDatagram(t + MS, SERVER, Unpooled.wrappedBuffer(reply));
    assertThat(ce.connected).isEqualTo(1);
    assertThat(c.timeOrder()).isEqualTo(26);
    assertThat(c.gameStatus()).isEqualTo(GameStatus.ACTIVE);
    assertThat(c.state()).isEqualTo(frozen);
    assertThat(c.pollDatagram(t + MS)).isNull();
    // The next client package reports time order 26, acking the server's sequence 1.
    byte[] second = bytes(c.pollDatagram(t + 25 * MS));
    assertThat(Hex.format(second)).isEqualTo("ffd0fab9000200010000000000" + "1a");
  }

  // ------------------------------------------------------------------ convergence

  @Test
  void clientStateConvergesUnderLossDuplicationAndReorderingAndNeverGoesBack() {
    LinkConditions link =
        LinkConditions.ideal()
            .withLatency(Duration.ofMillis(30))
            .withJitter(Duration.ofMillis(10))
            .withLoss(0.2)
            .withDuplication(0.2)
            .withReorder(0.3, Duration.ofMillis(80));
    for (long seed = 1; seed <= 6; seed++) {
      UpdateLog log = new UpdateLog(100);
      ServerEvents se = new ServerEvents();
      ServerNode sn = new ServerNode(server(log, se), log);
      SplittableRandom random = new SplittableRandom(seed);
      sn.tickEveryNanos = 20 * MS;
      sn.tick =
          () -> {
            Map<Object, Object> u = new LinkedHashMap<>();
            for (int i = 0; i < 3; i++) {
              long key = random.nextInt(40);
              u.put("e" + key, random.nextInt(10) == 0 ? StateTree.DELETE : random.nextInt(1000));
            }
            u.put("nested", Map.of("x" + random.nextInt(5), random.nextInt(3) - 1.5));
            log.push(u);
          };
      ClientEvents ce = new ClientEvents();
      PygaseClientEndpoint c = client(ce);
      ClientNode cn = new ClientNode(C1, c);
      SimulatedNetwork net = new SimulatedNetwork(clock, seed).setDefaultConditions(link);
      c.connect(clock.nanos());
      Drive drive = Drive.of(clock, net, sn, cn);
      drive.runFor(Duration.ofSeconds(8));
      assertThat(c.isConnected()).as("seed %d", seed).isTrue();
      assertThat(sn.ep.clientCount()).isEqualTo(1);
      assertThat(ce.applied.size()).as("updates applied").isGreaterThan(50);
      sn.tick = null; // the game stops changing; the client must catch up
      drive.until(Duration.ofSeconds(5), () -> c.timeOrder() == log.timeOrder);
      assertThat(StateTree.deepEquals(c.state(), floats32(log.state))).as("seed %d", seed).isTrue();
      assertThat(sn.ep.duplicateDatagrams() + c.duplicateDatagrams()).isPositive();
      assertThat(c.staleUpdates()).as("older updates refused").isPositive();
      assertThat(se.left).isEmpty();
      assertThat(c.status()).isEqualTo(PygaseClientEndpoint.Status.CONNECTED);
    }
  }

  @Test
  void clientThatFellBehindTheCacheGetsTheFullStateAgain() {
    UpdateLog log = new UpdateLog(5);
    ServerNode sn = new ServerNode(server(log, new ServerEvents()), log);
    ClientEvents ce = new ClientEvents();
    PygaseClientEndpoint c = client(ce);
    ClientNode cn = new ClientNode(C1, c);
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 5).setDefaultConditions(LinkConditions.ideal());
    log.push(Map.of("a", 1));
    c.connect(clock.nanos());
    Drive drive = Drive.of(clock, net, sn, cn);
    drive.until(Duration.ofSeconds(1), () -> c.timeOrder() == 1);
    // 1 s of blackout towards the client while 50 updates pass: the cache keeps 5.
    net.setConditions(
        SERVER, C1, LinkConditions.ideal().withBlackout(clock.nanos(), Duration.ofSeconds(1)));
    sn.tickEveryNanos = 10 * MS;
    int[] n = {0};
    sn.tick = () -> log.push(Map.of("k" + (n[0]++ % 7), n[0]));
    drive.runFor(Duration.ofMillis(500));
    sn.tick = null;
    int fullBefore = log.fullStatesServed;
    drive.until(Duration.ofSeconds(3), () -> c.timeOrder() == log.timeOrder);
    assertThat(log.fullStatesServed).isGreaterThan(fullBefore);
    assertThat(StateTree.deepEquals(c.state(), log.state)).isTrue();
  }

  @Test
  void aStateTooLargeForAPackageIsSkippedCountedAndSentOnceItFitsAgain() {
    UpdateLog log = new UpdateLog(5);
    PygaseServerEndpoint server = server(log, new ServerEvents());
    ServerNode sn = new ServerNode(server, log);
    ClientEvents ce = new ClientEvents();
    PygaseClientEndpoint c = client(ce);
    ClientNode cn = new ClientNode(C1, c);
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 9).setDefaultConditions(LinkConditions.ideal());
    log.push(Map.of("big", "x".repeat(3 * PygaseWire.MAX_PACKAGE_BYTES)));
    c.connect(clock.nanos());
    Drive drive = Drive.of(clock, net, sn, cn);
    drive.runFor(Duration.ofMillis(500));
    assertThat(server.oversizedUpdates()).as("send ticks skipped").isGreaterThan(5);
    assertThat(c.timeOrder()).as("nothing fits, nothing arrives").isEqualTo(TimeOrder.NONE);
    assertThat(server.clientCount()).isEqualTo(1);

    log.push(Map.of("big", "small now"));
    drive.until(Duration.ofSeconds(1), () -> c.timeOrder() == log.timeOrder);
    assertThat(StateTree.deepEquals(c.state(), log.state)).isTrue();
  }

  /** The state as it looks after a trip as float32. */
  static Map<Object, Object> floats32(Map<Object, Object> m) {
    Map<Object, Object> out = new LinkedHashMap<>();
    m.forEach(
        (k, v) ->
            out.put(
                k,
                v instanceof Double d
                    ? (double) (float) (double) d
                    : v instanceof Map<?, ?> sub ? floats32(cast(sub)) : v));
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<Object, Object> cast(Map<?, ?> m) {
    return (Map<Object, Object>) m;
  }

  // ------------------------------------------------------------------ robustness

  @Test
  void duplicateAndReorderedPackagesNeverBreakTheConnection() {
    ServerEvents se = new ServerEvents();
    UpdateLog log = new UpdateLog(100);
    PygaseServerEndpoint s = server(log, se);
    PygaseClientEndpoint c = client(new ClientEvents());
    long t = 0;
    c.connect(t);
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      c.dispatch(PygaseEvent.of("E" + i), null);
      sent.add(bytes(c.pollDatagram(t)));
      t += 25 * MS;
    }
    // in order, then each twice, then backwards
    for (byte[] d : sent) {
      s.handleDatagram(t, C1, Unpooled.wrappedBuffer(d));
    }
    for (byte[] d : sent) {
      s.handleDatagram(t, C1, Unpooled.wrappedBuffer(d));
    }
    for (int i = sent.size() - 1; i >= 0; i--) {
      s.handleDatagram(t, C1, Unpooled.wrappedBuffer(sent.get(i)));
    }
    assertThat(s.clientCount()).isEqualTo(1);
    assertThat(se.joined).hasSize(1);
    assertThat(se.events)
        .containsExactly("1:E0[]{}", "1:E1[]{}", "1:E2[]{}", "1:E3[]{}", "1:E4[]{}", "1:E5[]{}");
    assertThat(s.duplicateDatagrams()).isEqualTo(12);
    // a reordered package (5 before 4) is still processed once
    PygaseClientEndpoint c2 = client(new ClientEvents());
    c2.connect(t);
    List<byte[]> two = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      c2.dispatch(PygaseEvent.of("R" + i), null);
      two.add(bytes(c2.pollDatagram(t)));
      t += 25 * MS;
    }
    s.handleDatagram(t, C2, Unpooled.wrappedBuffer(two.get(0)));
    s.handleDatagram(t, C2, Unpooled.wrappedBuffer(two.get(2)));
    s.handleDatagram(t, C2, Unpooled.wrappedBuffer(two.get(1)));
    s.handleDatagram(t, C2, Unpooled.wrappedBuffer(two.get(1)));
    assertThat(se.events.subList(6, 9)).containsExactly("2:R0[]{}", "2:R2[]{}", "2:R1[]{}");
    assertThat(s.clientCount()).isEqualTo(2);
    // garbage is counted and changes nothing
    s.handleDatagram(t, C1, Unpooled.wrappedBuffer(Hex.parse("ffd0fab9 0009 0000 00000000")));
    s.handleDatagram(t, C1, Unpooled.wrappedBuffer(Hex.parse("0102030405")));
    assertThat(s.malformedDatagrams()).isEqualTo(1);
    assertThat(s.notPygaseDatagrams()).isEqualTo(1);
    assertThat(s.clientCount()).isEqualTo(2);
  }

  @Test
  void aNewerReportedTimeOrderWinsAndAReorderedOlderOneDoesNot() {
    List<Integer> asked = new ArrayList<>();
    PygaseServerEndpoint s =
        server(
            t -> {
              asked.add(t);
              return new PygaseUpdate(9, null, StateTree.EMPTY);
            },
            new ServerEvents());
    ByteBuf newer = Unpooled.buffer();
    PygaseCodec.writeClientPackage(newer, 2, 0, 0, 7, List.of());
    ByteBuf older = Unpooled.buffer();
    PygaseCodec.writeClientPackage(older, 1, 0, 0, 5, List.of());
    s.handleDatagram(0, C1, newer);
    s.handleDatagram(0, C1, older);
    assertThat(s.clientTimeOrder(1)).isEqualTo(7);
    bytes(s.pollDatagram(0).bytes());
    assertThat(asked).containsExactly(7);
  }

  // ------------------------------------------------------------------ callbacks and timeouts

  @Test
  void eventsAreAckedOrTimeOutAfterOneSecond() {
    UpdateLog log = new UpdateLog(100);
    ServerEvents se = new ServerEvents();
    ServerNode sn = new ServerNode(server(log, se), log);
    ClientEvents ce = new ClientEvents();
    PygaseClientEndpoint c = client(ce);
    ClientNode cn = new ClientNode(C1, c);
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 7)
            .setDefaultConditions(LinkConditions.ideal().withLatency(Duration.ofMillis(20)));
    c.connect(clock.nanos());
    Drive drive = Drive.of(clock, net, sn, cn);
    drive.until(Duration.ofSeconds(1), c::isConnected);

    Outcome delivered = new Outcome();
    c.dispatch(PygaseEvent.of("MOVE", List.of(5), Map.of("fast", true)), delivered);
    drive.until(Duration.ofSeconds(1), () -> delivered.acked + delivered.timedOut > 0);
    assertThat(delivered.acked).isEqualTo(1);
    assertThat(se.events).containsExactly("1:MOVE[5]{fast=true}");

    Outcome toClient = new Outcome();
    assertThat(sn.ep.dispatch(1, PygaseEvent.of("HIT", List.of(), Map.of("damage", 3)), toClient))
        .isTrue();
    drive.until(Duration.ofSeconds(1), () -> toClient.acked > 0);
    assertThat(ce.events)
        .as("server events with keyword data arrive")
        .containsExactly(new PygaseEvent("HIT", List.of(), Map.of("damage", 3L)));

    // Everything towards the server is lost from now on for 2 s.
    net.setConditions(
        C1, SERVER, LinkConditions.ideal().withBlackout(clock.nanos(), Duration.ofSeconds(2)));
    Outcome lost = new Outcome();
    long sentAt = clock.nanos();
    c.dispatch(PygaseEvent.of("LOST"), lost);
    drive.until(Duration.ofSeconds(2), () -> lost.acked + lost.timedOut > 0);
    assertThat(lost.timedOut).isEqualTo(1);
    assertThat(lost.acked).isZero();
    assertThat(lost.at - sentAt).isBetween(SECOND, SECOND + 30 * MS);
    assertThat(c.isConnected()).isTrue();
    drive.runFor(Duration.ofSeconds(2));
    assertThat(lost.acked + lost.timedOut).as("exactly one callback").isEqualTo(1);
  }

  @Test
  void connectionsTimeOutAfterFiveSilentSeconds() {
    UpdateLog log = new UpdateLog(100);
    ServerEvents se = new ServerEvents();
    ServerNode sn = new ServerNode(server(log, se), log);
    ClientEvents ce = new ClientEvents();
    PygaseClientEndpoint c = client(ce);
    ClientNode cn = new ClientNode(C1, c);
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 9).setDefaultConditions(LinkConditions.ideal());
    c.connect(clock.nanos());
    Drive drive = Drive.of(clock, net, sn, cn);
    drive.until(Duration.ofSeconds(1), c::isConnected);
    Outcome pending = new Outcome();
    sn.ep.dispatch(1, PygaseEvent.of("NEVER"), null);
    long cut = clock.nanos();
    net.setConditionsBothWays(
        SERVER, C1, LinkConditions.ideal().withBlackout(cut, Duration.ofSeconds(60)));
    c.dispatch(PygaseEvent.of("PENDING"), pending);
    drive.until(Duration.ofSeconds(6), () -> ce.timedOut != null && !se.left.isEmpty());
    assertThat(ce.timedOut).isTrue();
    assertThat(clock.nanos() - cut).isBetween(5 * SECOND - 50 * MS, 5 * SECOND + 50 * MS);
    assertThat(se.left).containsExactly(1);
    assertThat(sn.ep.clientCount()).isZero();
    assertThat(pending.timedOut).isEqualTo(1);
    assertThat(c.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aClientThatNeverHearsFromTheServerGivesUpAfterFiveSeconds() {
    ClientEvents ce = new ClientEvents();
    PygaseClientEndpoint c = client(ce);
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 3).setDefaultConditions(LinkConditions.ideal());
    long start = clock.nanos();
    c.connect(start);
    Drive.until(
        clock, net, Duration.ofSeconds(10), () -> ce.timedOut != null, new ClientNode(C1, c));
    assertThat(clock.nanos() - start).isEqualTo(5 * SECOND);
    assertThat(ce.connected).isZero();
  }

  // ------------------------------------------------------------------ the rate switch

  @Test
  void sendRateDropsTo20HzUnderLatencyAndReturnsTo40Hz() {
    UpdateLog log = new UpdateLog(100);
    ServerNode sn = new ServerNode(server(log, new ServerEvents()), log);
    PygaseClientEndpoint c = client(new ClientEvents());
    ClientNode cn = new ClientNode(C1, c);
    SimulatedNetwork net =
        new SimulatedNetwork(clock, 11)
            .setDefaultConditions(LinkConditions.ideal().withLatency(Duration.ofMillis(5)));
    c.connect(clock.nanos());
    Drive drive = Drive.of(clock, net, sn, cn);
    drive.runFor(Duration.ofSeconds(2));
    assertThat(sn.ep.quality(1)).isEqualTo(CongestionController.Quality.GOOD);
    assertThat(sn.ep.sendIntervalNanos(1)).isEqualTo(25 * MS);
    int before = sn.datagramsOut;
    drive.runFor(Duration.ofSeconds(2));
    assertThat(sn.datagramsOut - before).as("40 Hz").isBetween(79, 81);

    // 200 ms each way: the latency average passes 0.25 s and both sides throttle to 20 Hz.
    net.setDefaultConditions(LinkConditions.ideal().withLatency(Duration.ofMillis(200)));
    drive.runFor(Duration.ofSeconds(4));
    assertThat(sn.ep.latencySeconds(1)).isGreaterThan(0.25);
    assertThat(sn.ep.quality(1)).isEqualTo(CongestionController.Quality.BAD);
    assertThat(c.quality()).isEqualTo(CongestionController.Quality.BAD);
    assertThat(sn.ep.sendIntervalNanos(1)).isEqualTo(50 * MS);
    assertThat(sn.ep.stats(1).sendIntervalNanos()).isEqualTo(50 * MS);
    assertThat(c.stats().pygaseLatencySeconds()).isGreaterThan(0.25);
    assertThat(c.stats().rttNanos()).isBetween(400 * MS, 460 * MS);
    long out = sn.ep.stats(1).packetsOut();
    assertThat(c.stats().packetsIn()).as("all but the 200 ms in flight").isBetween(out - 5, out);
    before = sn.datagramsOut;
    drive.runFor(Duration.ofSeconds(2));
    assertThat(sn.datagramsOut - before).as("20 Hz").isBetween(39, 41);

    // Back to 5 ms: quality recovers at once, the rate after more than one throttle time.
    net.setDefaultConditions(LinkConditions.ideal().withLatency(Duration.ofMillis(5)));
    drive.until(Duration.ofSeconds(5), () -> sn.ep.quality(1) == CongestionController.Quality.GOOD);
    assertThat(sn.ep.sendIntervalNanos(1)).isEqualTo(50 * MS);
    drive.until(Duration.ofSeconds(10), () -> sn.ep.sendIntervalNanos(1) == 25 * MS);
    assertThat(c.isConnected()).isTrue();
  }

  // ------------------------------------------------------------------ host, limits

  @Test
  void onlyTheHostsShutdownIsReportedAndOnlyOnce() {
    ServerEvents se = new ServerEvents();
    PygaseServerEndpoint s = server(new UpdateLog(10), se);
    ByteBuf p = Unpooled.buffer();
    PygaseCodec.writeClientPackage(p, 1, 0, 0, 0, List.of());
    s.handleDatagram(0, C1, p.retainedDuplicate());
    s.handleDatagram(0, C2, p);
    assertThat(se.hosts).containsExactly(true, false);
    assertThat(s.hostId()).isEqualTo(1);
    s.handleDatagram(0, C2, Unpooled.wrappedBuffer(PygaseWire.shutdownBytes()));
    assertThat(se.shutdowns).isEmpty();
    s.handleDatagram(0, C1, Unpooled.wrappedBuffer(PygaseWire.shutdownBytes()));
    s.handleDatagram(0, C1, Unpooled.wrappedBuffer(PygaseWire.shutdownBytes()));
    assertThat(se.shutdowns).containsExactly(1);
    assertThat(s.shutdownsIgnored()).isEqualTo(1);

    ServerEvents ignoring = new ServerEvents();
    PygaseServerEndpoint s2 =
        server(PygaseConfig.defaults().withHostMayShutdown(false), new UpdateLog(10), ignoring);
    ByteBuf q = Unpooled.buffer();
    PygaseCodec.writeClientPackage(q, 1, 0, 0, 0, List.of());
    s2.handleDatagram(0, C1, q);
    s2.handleDatagram(0, C1, Unpooled.wrappedBuffer(PygaseWire.shutdownBytes()));
    assertThat(ignoring.shutdowns).isEmpty();
  }

  @Test
  void clientShutdownSendsTheShutdownDatagram() {
    ClientEvents ce = new ClientEvents();
    PygaseClientEndpoint c = client(ce);
    c.connect(0);
    Outcome waiting = new Outcome();
    c.dispatch(PygaseEvent.of("X"), waiting);
    c.disconnect(0, true);
    assertThat(new String(bytes(c.pollDatagram(0)))).isEqualTo("shutdown");
    assertThat(c.pollDatagram(SECOND)).isNull();
    assertThat(ce.timedOut).isFalse();
    assertThat(waiting.timedOut).isEqualTo(1);
    assertThat(c.dispatch(PygaseEvent.of("Y"), null)).isFalse();
  }

  @Test
  void boundsClientsAndQueuedEvents() {
    ServerEvents se = new ServerEvents();
    PygaseServerEndpoint s =
        server(
            PygaseConfig.defaults().withMaxClients(1).withMaxQueuedEvents(3),
            new UpdateLog(10),
            se);
    ByteBuf p = Unpooled.buffer();
    PygaseCodec.writeClientPackage(p, 1, 0, 0, 0, List.of());
    s.handleDatagram(0, C1, p.retainedDuplicate());
    s.handleDatagram(0, C2, p);
    assertThat(s.clientCount()).isEqualTo(1);
    assertThat(s.refusedDatagrams()).isEqualTo(1);
    for (int i = 0; i < 3; i++) {
      assertThat(s.dispatch(1, PygaseEvent.of("E"), null)).isTrue();
    }
    assertThat(s.dispatch(1, PygaseEvent.of("E"), null)).isFalse();
    assertThat(s.dispatch(2, PygaseEvent.of("E"), null)).isFalse();
  }

  @Test
  void packsAtMostFiveEventsPerPackageInOrder() throws Exception {
    ServerEvents se = new ServerEvents();
    PygaseServerEndpoint s = server(new UpdateLog(10), se);
    ByteBuf p = Unpooled.buffer();
    PygaseCodec.writeClientPackage(p, 1, 0, 0, 0, List.of());
    s.handleDatagram(0, C1, p);
    int[] callbacks = new int[1];
    assertThat(
            s.dispatchToAll(PygaseEvent.of("A", "x".repeat(600)), id -> new MessageCallbacks() {}))
        .isEqualTo(1);
    for (int i = 0; i < 11; i++) {
      s.dispatch(1, PygaseEvent.of("E" + i), null);
    }
    PygaseCodec codec = new PygaseCodec();
    List<Integer> perPackage = new ArrayList<>();
    long t = 0;
    while (s.queuedEvents(1) > 0) {
      PygaseServerEndpoint.Outgoing o = s.pollDatagram(t);
      assertThat(o.bytes().readableBytes()).isLessThanOrEqualTo(PygaseWire.MAX_PACKAGE_BYTES);
      perPackage.add(codec.decodeServerPackage(o.bytes()).events().size());
      o.bytes().release();
      assertThat(s.pollDatagram(t)).as("one package per client per interval").isNull();
      t += 25 * MS;
      s.handleTimeout(t);
    }
    assertThat(perPackage).containsExactly(5, 5, 2);
  }
}
