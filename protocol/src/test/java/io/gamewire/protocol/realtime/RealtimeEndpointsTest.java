package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.testkit.Drive;
import io.gamewire.testkit.FakeClock;
import io.gamewire.testkit.LinkConditions;
import io.gamewire.testkit.SeedReporter;
import io.gamewire.testkit.SimEndpoint;
import io.gamewire.testkit.SimulatedNetwork;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SeedReporter.class)
class RealtimeEndpointsTest {
  static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.1", 7777);
  static final InetSocketAddress C1 = new InetSocketAddress("10.0.1.1", 50001);
  static final InetSocketAddress C2 = new InetSocketAddress("10.0.1.2", 50002);
  static final InetSocketAddress C3 = new InetSocketAddress("10.0.1.3", 50003);
  static final byte[] KEY = "0123456789abcdef-test-key".getBytes();
  static final long SECOND = 1_000_000_000L;

  /** What the server reported. */
  static final class ServerEvents implements RealtimeServerEndpoint.Listener {
    final Map<InetSocketAddress, Integer> connected = new HashMap<>();
    final Map<Integer, List<Integer>> messages = new HashMap<>();
    final Map<Integer, Integer> disconnectCode = new HashMap<>();
    final Map<Integer, Boolean> disconnectByPeer = new HashMap<>();
    final Map<Integer, String> disconnectText = new HashMap<>();

    @Override
    public void onConnected(int id, InetSocketAddress address) {
      assertThat(connected.put(address, id)).as("connected once").isNull();
    }

    @Override
    public void onMessage(int id, int channel, ByteBuf message) {
      messages
          .computeIfAbsent(id, k -> new ArrayList<>())
          .add(message.getInt(message.readerIndex()));
    }

    @Override
    public void onDisconnected(int id, int code, String text, boolean byPeer) {
      assertThat(disconnectCode.put(id, code)).as("disconnected once").isNull();
      disconnectByPeer.put(id, byPeer);
      disconnectText.put(id, text);
    }

    int received(InetSocketAddress client) {
      Integer id = connected.get(client);
      return id == null ? 0 : messages.getOrDefault(id, List.of()).size();
    }
  }

  /** What a client reported. */
  static final class ClientEvents implements RealtimeClientEndpoint.Listener {
    int connected;
    ConnectFailure failure;
    final List<Integer> messages = new ArrayList<>();
    Integer disconnectCode;
    String disconnectText;
    Boolean byPeer;

    @Override
    public void onConnected() {
      connected++;
    }

    @Override
    public void onConnectFailed(ConnectFailure f) {
      assertThat(failure).as("failed once").isNull();
      failure = f;
    }

    @Override
    public void onMessage(int channel, ByteBuf message) {
      messages.add(message.getInt(message.readerIndex()));
    }

    @Override
    public void onDisconnected(int code, String text, boolean byPeer) {
      assertThat(disconnectCode).as("disconnected once").isNull();
      disconnectCode = code;
      disconnectText = text;
      this.byPeer = byPeer;
    }
  }

  record ServerNode(InetSocketAddress address, RealtimeServerEndpoint ep) implements SimEndpoint {
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
      return ep.nextTimeoutNanos();
    }

    @Override
    public void handleTimeout(long now) {
      ep.handleTimeout(now);
    }
  }

  record ClientNode(InetSocketAddress address, RealtimeClientEndpoint ep) implements SimEndpoint {
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

  final FakeClock clock = new FakeClock();
  final ServerEvents serverEvents = new ServerEvents();

  RealtimeServerEndpoint server(int maxClients, long seed) {
    return server(maxClients, seed, ByteBufAllocator.DEFAULT);
  }

  RealtimeServerEndpoint server(int maxClients, long seed, ByteBufAllocator alloc) {
    return new RealtimeServerEndpoint(
        RealtimeConfig.defaults(),
        maxClients,
        KEY,
        new SplittableRandom(seed),
        alloc,
        serverEvents);
  }

  /** For floods: paranoid leak detection records a trace per buffer access, too slow here. */
  static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);

  static RealtimeClientEndpoint client(long seed, ClientEvents events) {
    return new RealtimeClientEndpoint(
        RealtimeConfig.defaults(),
        SERVER,
        new SplittableRandom(seed),
        ByteBufAllocator.DEFAULT,
        events);
  }

  SimulatedNetwork network(long seed, LinkConditions link) {
    return new SimulatedNetwork(clock, seed).setDefaultConditions(link);
  }

  static ByteBuf intMessage(int i) {
    return Unpooled.buffer(4).writeInt(i);
  }

  static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  /** Every datagram the server queued, drained. */
  static List<RealtimeServerEndpoint.Outgoing> drain(RealtimeServerEndpoint s, long now) {
    List<RealtimeServerEndpoint.Outgoing> out = new ArrayList<>();
    RealtimeServerEndpoint.Outgoing o;
    while ((o = s.pollDatagram(now)) != null) {
      out.add(o);
    }
    return out;
  }

  static void release(List<RealtimeServerEndpoint.Outgoing> out) {
    out.forEach(o -> o.bytes().release());
  }

  static ByteBuf request(long nonce) {
    return Handshake.connectRequest(ByteBufAllocator.DEFAULT, 1200, nonce);
  }

  /** Runs a CONNECT_REQUEST through the server and turns its CHALLENGE into a response. */
  static ByteBuf responseFor(
      RealtimeServerEndpoint s, InetSocketAddress from, long nonce, long now) {
    ByteBuf req = request(nonce);
    s.handleDatagram(now, from, req);
    req.release();
    List<RealtimeServerEndpoint.Outgoing> out = drain(s, now);
    assertThat(out).hasSize(1);
    ByteBuf c = out.get(0).bytes();
    assertThat(c.readableBytes()).isEqualTo(Handshake.CHALLENGE_BYTES);
    assertThat(RealtimeHeader.kind(c)).isEqualTo(PacketKind.CHALLENGE);
    long ts = c.getLong(RealtimeHeader.BYTES + 8);
    byte[] mac = new byte[ChallengeMinter.MAC_BYTES];
    c.getBytes(RealtimeHeader.BYTES + 16, mac);
    release(out);
    return Handshake.challengeResponse(ByteBufAllocator.DEFAULT, 1200, nonce, ts, mac);
  }

  // ------------------------------------------------------------------ handshake over the network

  @Test
  void handshakeCompletesUnderLossAndDuplicationThenMessagesFlowBothWays() {
    LinkConditions link =
        LinkConditions.ideal()
            .withLatency(Duration.ofMillis(25))
            .withLoss(0.2)
            .withDuplication(0.2);
    for (long seed = 1; seed <= 8; seed++) {
      ServerEvents events = new ServerEvents();
      RealtimeServerEndpoint server =
          new RealtimeServerEndpoint(
              RealtimeConfig.defaults(),
              8,
              KEY,
              new SplittableRandom(seed),
              ByteBufAllocator.DEFAULT,
              events);
      ClientEvents ce = new ClientEvents();
      RealtimeClientEndpoint client = client(seed, ce);
      SimulatedNetwork net = network(seed, link);
      ServerNode sn = new ServerNode(SERVER, server);
      ClientNode cn = new ClientNode(C1, client);
      client.connect(clock.nanos());
      Drive drive = Drive.of(clock, net, sn, cn);
      drive.until(
          Duration.ofSeconds(5), () -> client.isConnected() && events.connected.size() == 1);
      assertThat(ce.connected).isEqualTo(1);
      assertThat(server.connectionCount()).isEqualTo(1);
      int id = events.connected.get(C1);
      assertThat(client.token()).isEqualTo(server.token(id)).isNotZero();

      for (int i = 0; i < 100; i++) {
        assertThat(client.send(0, intMessage(i), null)).isTrue();
        assertThat(server.send(id, 0, intMessage(i), null)).isTrue();
      }
      drive.until(
          Duration.ofSeconds(30), () -> ce.messages.size() == 100 && events.received(C1) == 100);
      assertThat(ce.messages).as("seed %d", seed).isEqualTo(range(100));
      assertThat(events.messages.get(id)).isEqualTo(range(100));
      assertThat(server.connectionCount()).isEqualTo(1);
      client.close();
      server.close();
    }
  }

  @Test
  void connectTimesOutWithoutAServer() {
    ClientEvents ce = new ClientEvents();
    RealtimeClientEndpoint client = client(3, ce);
    SimulatedNetwork net = network(3, LinkConditions.ideal());
    long start = clock.nanos();
    client.connect(start);
    Drive.until(
        clock, net, Duration.ofSeconds(10), () -> ce.failure != null, new ClientNode(C1, client));
    assertThat(ce.failure).isEqualTo(ConnectFailure.TIMED_OUT);
    assertThat(clock.nanos() - start).isBetween(5 * SECOND, 5 * SECOND + 300_000_000L);
    assertThat(client.state()).isEqualTo(RealtimeClientEndpoint.State.CLOSED);
    assertThat(client.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
  }

  // ------------------------------------------------------------------ challenge checks

  @Test
  void challengeExpiresAfterFiveSeconds() {
    RealtimeServerEndpoint s = server(4, 1);
    long t0 = clock.nanos();
    ByteBuf late = responseFor(s, C1, 42, t0);
    s.handleDatagram(t0 + 5 * SECOND + 1, C1, late);
    assertThat(drain(s, t0 + 5 * SECOND + 1)).isEmpty();
    assertThat(s.challengesRefused()).isEqualTo(1);
    assertThat(s.connectionCount()).isZero();
    late.release();

    ByteBuf inTime = responseFor(s, C1, 43, t0);
    s.handleDatagram(t0 + 5 * SECOND, C1, inTime);
    inTime.release();
    List<RealtimeServerEndpoint.Outgoing> out = drain(s, t0 + 5 * SECOND);
    assertThat(out).hasSize(1);
    assertThat(RealtimeHeader.kind(out.get(0).bytes())).isEqualTo(PacketKind.ACCEPTED);
    release(out);
    assertThat(s.connectionCount()).isEqualTo(1);
  }

  @Test
  void refusesTamperedMacSpoofedAddressAndOtherNonceWithoutState() {
    RealtimeServerEndpoint s = server(4, 1);
    long now = clock.nanos();
    ByteBuf good = responseFor(s, C1, 42, now);

    ByteBuf tampered = good.copy();
    int macAt = RealtimeHeader.BYTES + Handshake.RESPONSE_MAC;
    tampered.setByte(macAt + 3, tampered.getByte(macAt + 3) ^ 1);
    s.handleDatagram(now, C1, tampered);

    s.handleDatagram(now, C2, good); // the same bytes "from" another address

    ByteBuf otherNonce = good.copy();
    otherNonce.setLong(RealtimeHeader.BYTES + Handshake.RESPONSE_NONCE, 43);
    s.handleDatagram(now, C1, otherNonce);

    assertThat(drain(s, now)).isEmpty();
    assertThat(s.challengesRefused()).isEqualTo(3);
    assertThat(s.connectionCount()).isZero();
    assertThat(s.pendingReplies()).isZero();
    assertThat(serverEvents.connected).isEmpty();

    s.handleDatagram(now, C1, good); // the genuine one still works
    release(drain(s, now));
    assertThat(s.connectionCount()).isEqualTo(1);
    tampered.release();
    otherNonce.release();
    good.release();
  }

  @Test
  void floodOfSpoofedRequestsCreatesNoStateAndNeverAmplifies() {
    RealtimeServerEndpoint s = server(4, 1, UNTRACKED);
    int addresses = 10_000;
    InetSocketAddress[] spoofed = new InetSocketAddress[addresses];
    for (int i = 0; i < addresses; i++) {
      spoofed[i] = new InetSocketAddress("172.16." + (i >> 8) + "." + (i & 0xff), 1024 + i);
    }
    long[] received = new long[addresses];
    long[] sent = new long[addresses];
    Map<InetSocketAddress, Integer> index = new HashMap<>();
    for (int i = 0; i < addresses; i++) {
      index.put(spoofed[i], i);
    }
    SplittableRandom rnd = new SplittableRandom(99);
    ByteBuf req = Handshake.connectRequest(UNTRACKED, 1200, 0);
    ByteBuf oldVersion = Handshake.connectRequest(UNTRACKED, 1200, 0);
    oldVersion.setByte(RealtimeHeader.BYTES, 9);
    ByteBuf fakeResponse = Handshake.challengeResponse(UNTRACKED, 1200, 5, 0, new byte[16]);
    long now = clock.nanos();
    for (int i = 0; i < 100_000; i++) {
      int a = i % addresses;
      int pick = rnd.nextInt(10);
      ByteBuf d = pick == 0 ? oldVersion : pick == 1 ? fakeResponse : req;
      d.setLong(RealtimeHeader.BYTES + 1, rnd.nextLong());
      received[a] += d.readableBytes();
      s.handleDatagram(now, spoofed[a], d);
      if (i % 1000 == 999) {
        for (RealtimeServerEndpoint.Outgoing o : drain(s, now)) {
          sent[index.get(o.to())] += o.bytes().readableBytes();
          o.bytes().release();
        }
        assertThat(s.connectionCount()).isZero();
        assertThat(s.pendingReplies()).isZero();
      }
      now += 10_000;
    }
    for (int a = 0; a < addresses; a++) {
      assertThat(sent[a]).as("bytes sent to %s", spoofed[a]).isLessThanOrEqualTo(received[a]);
    }
    assertThat(s.challengesSent()).isGreaterThan(70_000);
    assertThat(s.deniedSent()).isGreaterThan(5_000);
    assertThat(s.challengesRefused()).isGreaterThan(5_000);
    assertThat(s.repliesDropped()).isZero();
    assertThat(s.connectionCount()).isZero();
    assertThat(s.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
    req.release();
    oldVersion.release();
    fakeResponse.release();
  }

  @Test
  void unpolledRepliesAreCapped() {
    RealtimeServerEndpoint s = server(4, 1, UNTRACKED);
    ByteBuf req = request(7);
    for (int i = 0; i < RealtimeServerEndpoint.MAX_QUEUED_REPLIES + 500; i++) {
      s.handleDatagram(clock.nanos(), C1, req);
    }
    req.release();
    assertThat(s.pendingReplies()).isEqualTo(RealtimeServerEndpoint.MAX_QUEUED_REPLIES);
    assertThat(s.repliesDropped()).isEqualTo(500);
    s.close();
    assertThat(s.pendingReplies()).isZero();
  }

  @Test
  void unpaddedRequestsGetNoAnswer() {
    RealtimeServerEndpoint s = server(4, 1);
    ByteBuf shortReq = request(7).capacity(1199);
    shortReq.writerIndex(1199);
    s.handleDatagram(clock.nanos(), C1, shortReq);
    shortReq.release();
    assertThat(drain(s, clock.nanos())).isEmpty();
    assertThat(s.unpaddedRequests()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ idempotence, full, version

  @Test
  void repeatedRequestAndResponseAreIdempotent() {
    RealtimeServerEndpoint s = server(4, 1);
    long now = clock.nanos();
    ByteBuf resp = responseFor(s, C1, 42, now);
    List<Integer> tokens = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      s.handleDatagram(now + i * 100_000_000L, C1, resp);
      ByteBuf req = request(42); // a repeated request is answered statelessly too
      s.handleDatagram(now, C1, req);
      req.release();
      for (RealtimeServerEndpoint.Outgoing o : drain(s, now)) {
        if (RealtimeHeader.kind(o.bytes()) == PacketKind.ACCEPTED) {
          assertThat(o.bytes().readableBytes()).isEqualTo(Handshake.ACCEPTED_BYTES);
          assertThat(o.bytes().getLong(RealtimeHeader.BYTES)).isEqualTo(42);
          tokens.add(RealtimeHeader.token(o.bytes()));
        }
        o.bytes().release();
      }
    }
    resp.release();
    assertThat(tokens).hasSize(5).containsOnly(tokens.get(0));
    assertThat(tokens.get(0)).isNotZero().isEqualTo(s.token(serverEvents.connected.get(C1)));
    assertThat(s.connectionCount()).isEqualTo(1);
    assertThat(serverEvents.connected).hasSize(1);
  }

  @Test
  void fullServerDeniesTheExtraClientAndKeepsServingTheOthers() {
    RealtimeServerEndpoint s = server(2, 5);
    SimulatedNetwork net = network(5, LinkConditions.ideal().withLatency(Duration.ofMillis(10)));
    ClientEvents e1 = new ClientEvents();
    ClientEvents e2 = new ClientEvents();
    ClientEvents e3 = new ClientEvents();
    RealtimeClientEndpoint c1 = client(11, e1);
    RealtimeClientEndpoint c2 = client(12, e2);
    RealtimeClientEndpoint c3 = client(13, e3);
    Drive drive =
        Drive.of(
            clock,
            net,
            new ServerNode(SERVER, s),
            new ClientNode(C1, c1),
            new ClientNode(C2, c2),
            new ClientNode(C3, c3));
    c1.connect(clock.nanos());
    c2.connect(clock.nanos());
    drive.until(Duration.ofSeconds(2), () -> c1.isConnected() && c2.isConnected());

    c3.connect(clock.nanos());
    for (int i = 0; i < 20; i++) {
      c1.send(0, intMessage(i), null);
      s.send(serverEvents.connected.get(C2), 0, intMessage(i), null);
    }
    drive.until(
        Duration.ofSeconds(5),
        () -> e3.failure != null && serverEvents.received(C1) == 20 && e2.messages.size() == 20);
    assertThat(e3.failure).isEqualTo(ConnectFailure.SERVER_FULL);
    assertThat(e3.failure.description()).contains("server full");
    assertThat(e3.connected).isZero();
    assertThat(s.connectionCount()).isEqualTo(2);
    assertThat(s.deniedSent()).isGreaterThanOrEqualTo(1);
    assertThat(serverEvents.messages.get(serverEvents.connected.get(C1))).isEqualTo(range(20));
    assertThat(e2.messages).isEqualTo(range(20));
    assertThat(c1.isConnected()).isTrue();
    assertThat(c2.isConnected()).isTrue();
  }

  @Test
  void versionMismatchGetsAShortDenial() {
    RealtimeServerEndpoint s = server(4, 1);
    ByteBuf req = request(77);
    req.setByte(RealtimeHeader.BYTES, Handshake.VERSION + 1);
    s.handleDatagram(clock.nanos(), C1, req);
    List<RealtimeServerEndpoint.Outgoing> out = drain(s, clock.nanos());
    assertThat(out).hasSize(1);
    ByteBuf d = out.get(0).bytes();
    assertThat(d.readableBytes()).isEqualTo(Handshake.DENIED_BYTES).isLessThan(req.readableBytes());
    assertThat(RealtimeHeader.kind(d)).isEqualTo(PacketKind.DENIED);
    assertThat(d.getLong(RealtimeHeader.BYTES)).isEqualTo(77);
    assertThat((int) d.getUnsignedByte(RealtimeHeader.BYTES + 8))
        .isEqualTo(Handshake.DENIED_VERSION_MISMATCH);

    // A client that receives it fails with the reason.
    ClientEvents ce = new ClientEvents();
    RealtimeClientEndpoint c = client(1, ce);
    c.connect(clock.nanos());
    ByteBuf sentReq = c.pollDatagram(clock.nanos());
    long nonce = sentReq.getLong(RealtimeHeader.BYTES + 1);
    assertThat(sentReq.readableBytes()).isEqualTo(1200);
    sentReq.release();
    d.setLong(RealtimeHeader.BYTES, nonce + 1);
    c.handleDatagram(clock.nanos(), SERVER, d); // another nonce: ignored
    assertThat(ce.failure).isNull();
    d.setLong(RealtimeHeader.BYTES, nonce);
    c.handleDatagram(clock.nanos(), C2, d); // another address: ignored
    assertThat(ce.failure).isNull();
    assertThat(c.foreignDatagrams()).isEqualTo(1);
    c.handleDatagram(clock.nanos(), SERVER, d);
    assertThat(ce.failure).isEqualTo(ConnectFailure.VERSION_MISMATCH);
    release(out);
    req.release();
  }

  @Test
  void anotherProtocolIdGetsNothing() {
    RealtimeServerEndpoint s = server(4, 1);
    ByteBuf req = request(77);
    req.setInt(0, 0x47575255);
    s.handleDatagram(clock.nanos(), C1, req);
    req.release();
    assertThat(drain(s, clock.nanos())).isEmpty();
    assertThat(s.notRealtimeDatagrams()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ established connections

  /** Connects one client over an ideal link; returns the drive. */
  Drive connected(RealtimeServerEndpoint s, RealtimeClientEndpoint c, SimulatedNetwork net) {
    Drive drive = Drive.of(clock, net, new ServerNode(SERVER, s), new ClientNode(C1, c));
    c.connect(clock.nanos());
    drive.until(Duration.ofSeconds(2), () -> c.isConnected() && s.connectionCount() == 1);
    return drive;
  }

  @Test
  void wrongTokenFromConnectedAddressIsDroppedAndCounted() {
    RealtimeServerEndpoint s = server(4, 1);
    ClientEvents ce = new ClientEvents();
    RealtimeClientEndpoint c = client(2, ce);
    connected(s, c, network(2, LinkConditions.ideal().withLatency(Duration.ofMillis(5))));
    int id = serverEvents.connected.get(C1);

    ByteBuf forged = Unpooled.buffer();
    RealtimeHeader.write(forged, 60_000, 0, 0, PacketKind.DISCONNECT, 0, c.token() ^ 0x5a5a);
    forged.writeShort(1000).writeByte(0);
    s.handleDatagram(clock.nanos(), C1, forged);
    assertThat(s.wrongTokenDatagrams()).isEqualTo(1);
    assertThat(s.connectionCount()).isEqualTo(1);
    assertThat(serverEvents.disconnectCode).isEmpty();

    forged.setInt(RealtimeHeader.OFFSET_TOKEN, c.token());
    s.handleDatagram(clock.nanos(), C2, forged); // right token, unknown address
    assertThat(s.unknownAddressDatagrams()).isEqualTo(1);
    assertThat(s.connectionCount()).isEqualTo(1);
    assertThat(serverEvents.disconnectCode).doesNotContainKey(id);
    forged.release();
  }

  @Test
  void clientDisconnectReachesTheServerWithItsCode() {
    RealtimeServerEndpoint s = server(4, 1);
    ClientEvents ce = new ClientEvents();
    RealtimeClientEndpoint c = client(2, ce);
    Drive drive =
        connected(s, c, network(2, LinkConditions.ideal().withLatency(Duration.ofMillis(5))));
    int id = serverEvents.connected.get(C1);
    c.disconnect(clock.nanos(), 1234, "bye");
    drive.until(Duration.ofSeconds(1), () -> serverEvents.disconnectCode.containsKey(id));
    assertThat(serverEvents.disconnectCode.get(id)).isEqualTo(1234);
    assertThat(serverEvents.disconnectText.get(id)).isEqualTo("bye");
    assertThat(serverEvents.disconnectByPeer.get(id)).isTrue();
    assertThat(ce.disconnectCode).isEqualTo(1234);
    assertThat(ce.byPeer).isFalse();
    assertThat(s.connectionCount()).isZero();
  }

  @Test
  void serverDisconnectReachesTheClientWithItsCode() {
    RealtimeServerEndpoint s = server(4, 1);
    ClientEvents ce = new ClientEvents();
    RealtimeClientEndpoint c = client(2, ce);
    Drive drive =
        connected(s, c, network(2, LinkConditions.ideal().withLatency(Duration.ofMillis(5))));
    int id = serverEvents.connected.get(C1);
    s.disconnect(clock.nanos(), id, 4321, "kicked");
    drive.until(Duration.ofSeconds(1), () -> ce.disconnectCode != null);
    assertThat(ce.disconnectCode).isEqualTo(4321);
    assertThat(ce.disconnectText).isEqualTo("kicked");
    assertThat(ce.byPeer).isTrue();
    assertThat(c.state()).isEqualTo(RealtimeClientEndpoint.State.CLOSED);
    drive.runFor(Duration.ofMillis(100));
    assertThat(s.connectionCount()).isZero();
    assertThat(s.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void silentClientTimesOutAndIsRemoved() {
    RealtimeServerEndpoint s = server(4, 1);
    ClientEvents ce = new ClientEvents();
    RealtimeClientEndpoint c = client(2, ce);
    SimulatedNetwork net = network(2, LinkConditions.ideal().withLatency(Duration.ofMillis(5)));
    connected(s, c, net);
    int id = serverEvents.connected.get(C1);
    // Only the server runs from now on: the client has vanished. (runFor: the timeout may fire
    // inside a poll, which Drive does not count as an action.)
    Drive serverOnly = Drive.of(clock, net, new ServerNode(SERVER, s));
    serverOnly.runFor(Duration.ofMillis(4500));
    assertThat(s.connectionCount()).isEqualTo(1);
    serverOnly.runFor(Duration.ofMillis(1500));
    assertThat(serverEvents.disconnectCode).containsKey(id);
    assertThat(serverEvents.disconnectCode.get(id)).isEqualTo(RealtimeConnection.REASON_TIMEOUT);
    assertThat(s.connectionCount()).isZero();
    assertThat(drain(s, clock.nanos())).isEmpty();
    assertThat(s.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);
  }
}
