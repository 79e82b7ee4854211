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
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SeedReporter.class)
class RealtimeConnectionTest {
  static final int TOKEN = 0x5eed1234;
  static final InetSocketAddress A = new InetSocketAddress("10.0.0.1", 4000);
  static final InetSocketAddress B = new InetSocketAddress("10.0.0.2", 5000);

  /** Collects what a connection delivers. */
  static final class Inbox implements RealtimeConnection.Listener {
    final List<Integer> channels = new ArrayList<>();
    final List<byte[]> messages = new ArrayList<>();
    Integer reason;
    String text;
    Boolean byPeer;

    @Override
    public void onMessage(int channel, ByteBuf message) {
      channels.add(channel);
      messages.add(ByteBufUtil.getBytes(message));
    }

    @Override
    public void onDisconnected(int reasonCode, String text, boolean byPeer) {
      assertThat(reason).as("disconnected once").isNull();
      this.reason = reasonCode;
      this.text = text;
      this.byPeer = byPeer;
    }

    List<Integer> ints() {
      List<Integer> out = new ArrayList<>();
      for (byte[] m : messages) {
        out.add(Unpooled.wrappedBuffer(m).getInt(0));
      }
      return out;
    }
  }

  /** Counts which callback each message got. */
  static final class Outcomes implements RealtimeConnection.MessageCallbacks {
    final AtomicInteger acked = new AtomicInteger();
    final AtomicInteger timedOut = new AtomicInteger();

    @Override
    public void onAcked() {
      acked.incrementAndGet();
    }

    @Override
    public void onTimedOut() {
      timedOut.incrementAndGet();
    }
  }

  /** Adapts a connection to the simulated network. */
  record Peer(InetSocketAddress address, InetSocketAddress peer, RealtimeConnection conn)
      implements SimEndpoint {
    @Override
    public void handleDatagram(long nowNanos, InetSocketAddress from, byte[] datagram) {
      conn.handleDatagram(nowNanos, Unpooled.wrappedBuffer(datagram));
    }

    @Override
    public Outgoing pollDatagram(long nowNanos) {
      return Outgoing.taking(peer, conn.pollDatagram(nowNanos));
    }

    @Override
    public long nextTimeoutNanos() {
      return conn.nextTimeoutNanos();
    }

    @Override
    public void handleTimeout(long nowNanos) {
      conn.handleTimeout(nowNanos);
    }
  }

  final FakeClock clock = new FakeClock();
  final Inbox inboxA = new Inbox();
  final Inbox inboxB = new Inbox();

  RealtimeConnection a;
  RealtimeConnection b;
  Peer peerA;
  Peer peerB;

  void connect(RealtimeConfig config) {
    a = new RealtimeConnection(config, TOKEN, clock.nanos(), ByteBufAllocator.DEFAULT, inboxA);
    b = new RealtimeConnection(config, TOKEN, clock.nanos(), ByteBufAllocator.DEFAULT, inboxB);
    peerA = new Peer(A, B, a);
    peerB = new Peer(B, A, b);
  }

  SimulatedNetwork network(long seed, LinkConditions link) {
    SimulatedNetwork net = new SimulatedNetwork(clock, seed);
    net.setDefaultConditions(link);
    return net;
  }

  static ByteBuf intMessage(int i) {
    return Unpooled.buffer(4).writeInt(i);
  }

  static LinkConditions harsh() {
    return LinkConditions.ideal()
        .withLatency(Duration.ofMillis(30))
        .withJitter(Duration.ofMillis(5))
        .withLoss(0.2)
        .withDuplication(0.05)
        .withReorder(0.1, Duration.ofMillis(40));
  }

  /**
   * Sends {@code count} ints on {@code channel} as fast as the queue takes them; drives to done.
   */
  Drive.Result pump(
      SimulatedNetwork net, int channel, int count, AtomicInteger[] acks, Inbox target) {
    int[] next = {0};
    return Drive.until(
        clock,
        net,
        Duration.ofSeconds(300),
        () -> {
          while (next[0] < count) {
            int i = next[0];
            RealtimeConnection.MessageCallbacks cb =
                acks == null
                    ? null
                    : new RealtimeConnection.MessageCallbacks() {
                      @Override
                      public void onAcked() {
                        acks[i].incrementAndGet();
                      }

                      @Override
                      public void onTimedOut() {
                        acks[i].addAndGet(1000);
                      }
                    };
            if (!a.send(channel, intMessage(i), cb)) {
              break;
            }
            next[0]++;
          }
          return target.messages.size() >= count && (acks == null || allPositive(acks))
              || a.isClosed();
        },
        peerA,
        peerB);
  }

  static boolean allPositive(AtomicInteger[] acks) {
    for (AtomicInteger x : acks) {
      if (x.get() == 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void reliableOrderedDeliversTenThousandMessagesExactlyOnceInOrderOverAHarshLink() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net = network(20261123L, harsh());
    int n = 10_000;
    AtomicInteger[] acks = new AtomicInteger[n];
    for (int i = 0; i < n; i++) {
      acks[i] = new AtomicInteger();
    }
    Drive.Result r = pump(net, 0, n, acks, inboxB);
    assertThat(a.isClosed()).isFalse();
    Drive.of(clock, net, peerA, peerB).runFor(Duration.ofSeconds(2)); // late duplicates, if any
    List<Integer> got = inboxB.ints();
    assertThat(got).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(got.get(i)).isEqualTo(i);
    }
    for (int i = 0; i < n; i++) {
      assertThat(acks[i].get()).as("callbacks of message %d", i).isEqualTo(1);
    }
    ConnectionStats s = a.stats(clock.nanos());
    System.out.printf(
        "10k reliable-ordered: %s fake, sender %d datagrams / %d bytes, receiver %d datagrams /"
            + " %d bytes, link %s%n",
        r.elapsed(),
        s.packetsOut(),
        s.bytesOut(),
        b.stats(clock.nanos()).packetsOut(),
        b.stats(clock.nanos()).bytesOut(),
        net.totalStats());
  }

  /**
   * Channels that never sent share one empty ring across connections: messages in flight on one
   * connection must never be seen, timed out or released by another.
   */
  @Test
  void anIdleConnectionNeverSeesAnotherConnectionsMessagesInFlight() {
    RealtimeConfig config = RealtimeConfig.defaults();
    long now = clock.nanos();
    Inbox busyInbox = new Inbox();
    RealtimeConnection busy =
        new RealtimeConnection(config, TOKEN, now, ByteBufAllocator.DEFAULT, busyInbox);
    RealtimeConnection idle =
        new RealtimeConnection(config, TOKEN, now, ByteBufAllocator.DEFAULT, new Inbox());
    Outcomes outcomes = new Outcomes();
    for (int channel : new int[] {0, 1, 3}) { // reliable, unreliable with callbacks, reliable
      for (int i = 0; i < 50; i++) {
        assertThat(busy.send(channel, Unpooled.buffer(4).writeInt(i), outcomes)).isTrue();
      }
    }
    List<ByteBuf> sent = new ArrayList<>();
    for (ByteBuf d; (d = busy.pollDatagram(now)) != null; ) {
      sent.add(d); // never delivered: everything stays in flight
    }
    assertThat(sent).isNotEmpty();
    for (int i = 0; i < 100; i++) {
      now += 50_000_000L;
      idle.handleTimeout(now);
      for (ByteBuf d; (d = idle.pollDatagram(now)) != null; ) {
        d.release();
      }
    }
    assertThat(idle.stats(now).messagesPending()).isZero();
    idle.close(); // releases whatever its rings hold: nothing
    assertThat(outcomes.timedOut).hasValue(0);
    assertThat(outcomes.acked).hasValue(0);
    assertThat(busy.stats(now).messagesPending()).isEqualTo(150);
    busy.close();
    assertThat(outcomes.timedOut).hasValue(150); // each message gets its one callback
    sent.forEach(ByteBuf::release);
  }

  @Test
  void reliableUnorderedDeliversEveryMessageExactlyOnce() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net = network(77L, harsh());
    int n = 10_000;
    pump(net, 3, n, null, inboxB);
    Drive.of(clock, net, peerA, peerB).runFor(Duration.ofSeconds(2));
    assertThat(inboxB.ints()).hasSize(n).doesNotHaveDuplicates();
    assertThat(new HashSet<>(inboxB.ints())).hasSize(n);
  }

  @Test
  void unreliableSequencedNeverGoesBackwardsAndUnreliableArrivesAtMostOnce() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net =
        network(
            5L,
            LinkConditions.ideal()
                .withLatency(Duration.ofMillis(20))
                .withJitter(Duration.ofMillis(10))
                .withLoss(0.1)
                .withDuplication(0.1)
                .withReorder(0.3, Duration.ofMillis(60)));
    Drive drive = Drive.of(clock, net, peerA, peerB);
    for (int i = 0; i < 1000; i++) {
      assertThat(a.send(2, intMessage(i), null)).isTrue();
      assertThat(a.send(1, intMessage(i), null)).isTrue();
      drive.runFor(Duration.ofMillis(5));
    }
    drive.runFor(Duration.ofSeconds(1));
    List<Integer> sequenced = new ArrayList<>();
    List<Integer> unreliable = new ArrayList<>();
    List<Integer> ints = inboxB.ints();
    for (int i = 0; i < ints.size(); i++) {
      (inboxB.channels.get(i) == 2 ? sequenced : unreliable).add(ints.get(i));
    }
    assertThat(sequenced).isSorted().doesNotHaveDuplicates().hasSizeGreaterThan(400);
    assertThat(unreliable).doesNotHaveDuplicates().hasSizeGreaterThan(700);
  }

  @Test
  void fragmentedReliableMessagesSurviveTenPercentLoss() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net =
        network(9L, LinkConditions.ideal().withLatency(Duration.ofMillis(25)).withLoss(0.1));
    Random rnd = new Random(1);
    List<byte[]> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] m = new byte[100 * 1024 + i];
      rnd.nextBytes(m);
      sent.add(m);
      assertThat(a.send(0, Unpooled.wrappedBuffer(m), null)).isTrue();
    }
    Drive.until(
        clock, net, Duration.ofSeconds(60), () -> inboxB.messages.size() == 3, peerA, peerB);
    for (int i = 0; i < 3; i++) {
      assertThat(inboxB.messages.get(i)).isEqualTo(sent.get(i));
    }
    assertThat(b.reassemblyBytes()).isZero();
  }

  @Test
  void unreliableFragmentedMessageMissingAFragmentIsNeverDeliveredAndIsFreed() {
    connect(RealtimeConfig.defaults());
    byte[] m = new byte[5000];
    assertThat(a.send(1, Unpooled.wrappedBuffer(m), null)).isTrue();
    long now = clock.nanos();
    int index = 0;
    ByteBuf d;
    while ((d = a.pollDatagram(now)) != null) {
      if (index++ != 1) {
        b.handleDatagram(now, d);
      }
      d.release();
    }
    assertThat(index).isGreaterThan(2);
    assertThat(inboxB.messages).isEmpty();
    assertThat(b.reassemblyBytes()).isPositive();
    // Keep the connection alive with keepalives while the partial message ages out.
    SimulatedNetwork net = network(3L, LinkConditions.ideal());
    Drive.of(clock, net, peerA, peerB).runFor(Duration.ofSeconds(6));
    assertThat(b.isClosed()).isFalse();
    assertThat(b.reassemblyBytes()).isZero();
    assertThat(inboxB.messages).isEmpty();
  }

  /**
   * A server that sends every 50 ms holds acks up to its next send instead of sending packets of
   * their own, and says how long it held them, so the client's RTT stays the path's (10 ms each way
   * here) and its timeout allows for the wait.
   */
  @Test
  void aConfiguredAckDelayRidesOnTheNextPayloadAndComesOutOfThePeersRtt() {
    long ms = 1_000_000L;
    RealtimeConfig client = RealtimeConfig.defaults();
    RealtimeConfig server = client.withMaxAckDelayNanos(50 * ms);
    a = new RealtimeConnection(client, TOKEN, clock.nanos(), ByteBufAllocator.DEFAULT, inboxA);
    b = new RealtimeConnection(server, TOKEN, clock.nanos(), ByteBufAllocator.DEFAULT, inboxB);
    Outcomes moves = new Outcomes();

    // A prompt first exchange: the client's first RTT sample is the path's 20 ms.
    a.send(0, intMessage(0), moves);
    ByteBuf d = a.pollDatagram(clock.nanos());
    clock.advance(Duration.ofMillis(10));
    b.handleDatagram(clock.nanos(), d);
    d.release();
    b.send(1, intMessage(100), null);
    ByteBuf reply = b.pollDatagram(clock.nanos());
    assertThat(RealtimeHeader.flags(reply)).isZero(); // an ack sent at once says nothing more
    clock.advance(Duration.ofMillis(10));
    a.handleDatagram(clock.nanos(), reply);
    reply.release();
    assertThat(a.stats(clock.nanos()).rttNanos()).isEqualTo(20 * ms);

    // A move arrives 30 ms before the server's next send: no ack-only packet in between.
    a.send(0, intMessage(1), moves);
    d = a.pollDatagram(clock.nanos());
    clock.advance(Duration.ofMillis(10));
    b.handleDatagram(clock.nanos(), d);
    d.release();
    for (int i = 0; i < 30; i++) {
      assertThat(b.pollDatagram(clock.nanos())).isNull();
      clock.advance(Duration.ofMillis(1));
    }
    b.send(1, intMessage(101), null);
    ByteBuf state = b.pollDatagram(clock.nanos());
    assertThat(RealtimeHeader.flags(state)).isEqualTo(RealtimeHeader.FLAG_ACK_DELAY);
    assertThat(RealtimeHeader.ackDelayNanos(state)).isEqualTo(30 * ms);
    clock.advance(Duration.ofMillis(10));
    a.handleDatagram(clock.nanos(), state);
    state.release();
    assertThat(moves.acked).hasValue(2);
    assertThat(inboxA.messages).hasSize(2);
    // The raw sample was 50 ms; without the report the smoothed RTT would be 23.75 ms.
    assertThat(a.stats(clock.nanos()).rttNanos()).isEqualTo(20 * ms);

    // With nothing to send, the ack goes alone after the configured delay, and says so.
    a.send(0, intMessage(2), moves);
    d = a.pollDatagram(clock.nanos());
    clock.advance(Duration.ofMillis(10));
    b.handleDatagram(clock.nanos(), d);
    d.release();
    clock.advance(Duration.ofMillis(49));
    assertThat(b.pollDatagram(clock.nanos())).isNull();
    clock.advance(Duration.ofMillis(1));
    ByteBuf keepalive = b.pollDatagram(clock.nanos());
    assertThat(RealtimeHeader.kind(keepalive)).isEqualTo(PacketKind.KEEPALIVE);
    assertThat(keepalive.readableBytes()).isEqualTo(RealtimeHeader.BYTES + 1);
    assertThat(RealtimeHeader.ackDelayNanos(keepalive)).isEqualTo(50 * ms);
    clock.advance(Duration.ofMillis(10));
    a.handleDatagram(clock.nanos(), keepalive);
    keepalive.release();
    assertThat(moves.acked).hasValue(3);
    assertThat(moves.timedOut).hasValue(0);
    assertThat(a.stats(clock.nanos()).rttNanos()).isEqualTo(20 * ms);
  }

  static RealtimeConfig fastLink() {
    // A budget whose burst holds the whole test, so that no time has to pass.
    return RealtimeConfig.builder()
        .congestion(
            CongestionConfig.builder()
                .budgetBytesPerSecond(16_384, 50_000_000, 100_000_000)
                .burstNanos(100_000_000L)
                .maxDatagramBytes(1200)
                .build())
        .build();
  }

  @Test
  void aStreamOfSmallReliableMessagesIsPackedFullIntoEachDatagram() {
    connect(fastLink());
    int n = 3000;
    int sent = 0;
    int datagrams = 0;
    int smallDatagrams = 0;
    while (inboxB.messages.size() < n) {
      while (sent < n && a.send(0, Unpooled.wrappedBuffer(new byte[32]).setInt(0, sent), null)) {
        sent++;
      }
      ByteBuf d = a.pollDatagram(clock.nanos());
      if (d == null) {
        // The reliable window is full: b acknowledges what it has, a little later.
        clock.advance(Duration.ofMillis(6));
        ByteBuf ack = b.pollDatagram(clock.nanos());
        assertThat(ack).as("an ack when a's window is full").isNotNull();
        a.handleDatagram(clock.nanos(), ack);
        ack.release();
        continue;
      }
      datagrams++;
      if (d.readableBytes() < 1100) {
        smallDatagrams++;
      }
      b.handleDatagram(clock.nanos(), d);
      d.release();
      ByteBuf ack = b.pollDatagram(clock.nanos());
      if (ack != null) {
        a.handleDatagram(clock.nanos(), ack);
        ack.release();
      }
    }
    assertThat(inboxB.ints()).hasSize(n).isSorted();
    // 32 records of 32 bytes fill 1,200 bytes; only the last datagram before each stall of the
    // window (1024 messages) and the very last may be short.
    assertThat((double) n / datagrams).as("messages per datagram").isGreaterThanOrEqualTo(30);
    assertThat(smallDatagrams).as("datagrams under 1,100 bytes").isLessThanOrEqualTo(n / 1024 + 1);
  }

  @Test
  void aPingPongsAcksRideOnTheRepliesWithNoAckOnlyDatagram() {
    for (int channel : new int[] {0, 1}) { // reliable-ordered and unreliable
      clock.advance(Duration.ofSeconds(1));
      connect(RealtimeConfig.defaults());
      for (int round = 0; round < 200; round++) {
        assertThat(a.send(channel, intMessage(round), null)).isTrue();
        ByteBuf ping = a.pollDatagram(clock.nanos());
        assertThat(RealtimeHeader.kind(ping)).isEqualTo(PacketKind.PAYLOAD);
        assertThat(a.pollDatagram(clock.nanos())).as("one datagram per ping").isNull();
        clock.advance(Duration.ofNanos(20_000));
        b.handleDatagram(clock.nanos(), ping);
        ping.release();
        // The ack waits (up to the ack delay) for the reply instead of a datagram of its own.
        assertThat(b.pollDatagram(clock.nanos())).as("no ack-only datagram").isNull();
        assertThat(b.send(channel, intMessage(round), null)).isTrue();
        ByteBuf pong = b.pollDatagram(clock.nanos());
        assertThat(RealtimeHeader.kind(pong)).isEqualTo(PacketKind.PAYLOAD);
        assertThat(RealtimeHeader.ack(pong)).as("the reply acks the ping").isEqualTo(round + 1);
        assertThat(b.pollDatagram(clock.nanos())).as("one datagram per pong").isNull();
        clock.advance(Duration.ofNanos(20_000));
        a.handleDatagram(clock.nanos(), pong);
        pong.release();
      }
      assertThat(inboxA.ints()).hasSize(200);
      assertThat(a.stats(clock.nanos()).packetsOut()).isEqualTo(200);
      assertThat(b.stats(clock.nanos()).packetsOut()).isEqualTo(200);
      inboxA.messages.clear();
      inboxB.messages.clear();
    }
  }

  @Test
  void aListenerThatMovesAMessagesIndicesDisturbsNeitherTheNextMessageNorTheDatagram() {
    RealtimeConnection.Listener careless =
        new RealtimeConnection.Listener() {
          @Override
          public void onMessage(int channel, ByteBuf message) {
            inboxB.onMessage(channel, message);
            message.skipBytes(message.readableBytes()); // reads it all
            message.clear(); // and then moves both indices to 0
          }
        };
    a = new RealtimeConnection(fastLink(), TOKEN, clock.nanos(), ByteBufAllocator.DEFAULT, inboxA);
    b =
        new RealtimeConnection(
            fastLink(), TOKEN, clock.nanos(), ByteBufAllocator.DEFAULT, careless);
    for (int i = 0; i < 20; i++) {
      // Alternating channels: reliable-ordered, unreliable, sequenced, reliable-unordered.
      assertThat(a.send(i % 4, Unpooled.buffer().writeInt(i).writeInt(~i), null)).isTrue();
    }
    ByteBuf d = a.pollDatagram(clock.nanos());
    assertThat(a.pollDatagram(clock.nanos())).as("all twenty in one datagram").isNull();
    int r = d.readerIndex();
    int w = d.writerIndex();
    b.handleDatagram(clock.nanos(), d);
    assertThat(d.readerIndex()).isEqualTo(r);
    assertThat(d.writerIndex()).isEqualTo(w);
    d.release();
    assertThat(inboxB.messages).hasSize(20);
    for (byte[] m : inboxB.messages) {
      ByteBuf body = Unpooled.wrappedBuffer(m);
      assertThat(m).hasSize(8);
      assertThat(body.getInt(4)).isEqualTo(~body.getInt(0));
    }
    assertThat(inboxB.ints()).containsExactlyInAnyOrder(range(20));
  }

  @Test
  void aRecordOnAnUnknownChannelRejectsTheWholeDatagramAndMalformedCountsBeforeRejected() {
    connect(
        RealtimeConfig.builder()
            .channels(java.util.Map.of(0, DeliveryMode.RELIABLE_ORDERED))
            .build());
    ByteBuf body = Unpooled.buffer().writeInt(7);
    ByteBuf d = Unpooled.buffer(1200);
    RealtimeHeader.write(d, 1, 0, 0, PacketKind.PAYLOAD, 0, TOKEN);
    MessageFormat.write(d, 0, DeliveryMode.RELIABLE_ORDERED, 0, false, 0, 1, body, 0, 4);
    MessageFormat.write(d, 5, DeliveryMode.UNRELIABLE, 0, false, 0, 1, body, 0, 4);
    b.handleDatagram(clock.nanos(), d.duplicate());
    assertThat(b.rejectedPackets()).isEqualTo(1);
    assertThat(b.malformedPackets()).isZero();
    assertThat(inboxB.messages).as("nothing of a rejected datagram").isEmpty();

    // The same records with a truncated third one: malformed, whatever the channels say.
    d.setShort(4, 2).writeByte(0); // a new sequence, and 1 byte where a record needs 3
    b.handleDatagram(clock.nanos(), d);
    assertThat(b.malformedPackets()).isEqualTo(1);
    assertThat(b.rejectedPackets()).isEqualTo(1);
    assertThat(inboxB.messages).isEmpty();
  }

  static Integer[] range(int n) {
    Integer[] out = new Integer[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  @Test
  void aReceiverAcksAtOnceAfterSixteenPacketsSoAFastSendersPacketsAreNotTakenForLost() {
    // A budget whose burst holds the whole test, so that no time has to pass.
    connect(
        RealtimeConfig.builder()
            .congestion(
                CongestionConfig.builder()
                    .budgetBytesPerSecond(16_384, 50_000_000, 100_000_000)
                    .burstNanos(100_000_000L)
                    .maxDatagramBytes(1200)
                    .build())
            .build());
    Outcomes cb = new Outcomes();
    AtomicInteger acked = cb.acked;
    AtomicInteger timedOut = cb.timedOut;
    int n = 40; // more than the 33 sequences one header acknowledges
    for (int i = 0; i < n; i++) {
      assertThat(a.send(1, Unpooled.wrappedBuffer(new byte[1100]), cb)).isTrue(); // one per packet
    }
    // A burst: no time passes, so only the packet count can make b acknowledge.
    for (int i = 0; i < n; i++) {
      ByteBuf d = a.pollDatagram(clock.nanos());
      assertThat(d).isNotNull();
      b.handleDatagram(clock.nanos(), d);
      d.release();
      ByteBuf ack = b.pollDatagram(clock.nanos());
      if (ack != null) {
        a.handleDatagram(clock.nanos(), ack);
        ack.release();
      }
    }
    clock.advance(Duration.ofMillis(10));
    ByteBuf last = b.pollDatagram(clock.nanos());
    a.handleDatagram(clock.nanos(), last);
    last.release();

    assertThat(inboxB.messages).hasSize(n);
    assertThat(acked).hasValue(n);
    assertThat(timedOut).hasValue(0);
  }

  @Test
  void aFragmentedUnreliableMessageIsAckedWhenItsFirstPacketIsAckedBeforeItsLastIsSent() {
    connect(RealtimeConfig.defaults());
    Outcomes cb = new Outcomes();
    AtomicInteger acked = cb.acked;
    AtomicInteger timedOut = cb.timedOut;
    assertThat(a.send(1, Unpooled.wrappedBuffer(new byte[2000]), cb)).isTrue(); // two fragments
    // The first fragment goes out and its packet is acknowledged before the second is written.
    ByteBuf first = a.pollDatagram(clock.nanos());
    b.handleDatagram(clock.nanos(), first);
    first.release();
    clock.advance(Duration.ofMillis(10));
    ByteBuf ack = b.pollDatagram(clock.nanos());
    assertThat(ack).as("b acks within the ack delay").isNotNull();
    a.handleDatagram(clock.nanos(), ack);
    ack.release();
    assertThat(acked).hasValue(0);
    ByteBuf second = a.pollDatagram(clock.nanos());
    b.handleDatagram(clock.nanos(), second);
    second.release();
    clock.advance(Duration.ofMillis(10));
    ByteBuf ack2 = b.pollDatagram(clock.nanos());
    a.handleDatagram(clock.nanos(), ack2);
    ack2.release();

    assertThat(inboxB.messages).hasSize(1);
    assertThat(acked).hasValue(1);
    assertThat(timedOut).hasValue(0);
    assertThat(a.stats(clock.nanos()).messagesPending()).isZero();
  }

  @Test
  void unreliableMessagesTimeOutOnALinkThatDropsEverything() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net = network(4L, LinkConditions.ideal().withLoss(1.0));
    Outcomes cb = new Outcomes();
    AtomicInteger acked = cb.acked;
    AtomicInteger timedOut = cb.timedOut;
    for (int i = 0; i < 20; i++) {
      a.send(1, intMessage(i), cb);
      a.send(2, intMessage(i), cb);
    }
    Drive.of(clock, net, peerA, peerB).runFor(Duration.ofSeconds(2));
    assertThat(a.isClosed()).isFalse();
    assertThat(timedOut.get()).isEqualTo(40);
    assertThat(acked.get()).isZero();
  }

  @Test
  void reliableGiveUpDisconnectsWithTheDocumentedCode() {
    connect(RealtimeConfig.builder().reliableGiveUpNanos(2_000_000_000L).build());
    SimulatedNetwork net = network(6L, LinkConditions.ideal().withLoss(1.0));
    AtomicInteger timedOut = new AtomicInteger();
    a.send(
        0,
        intMessage(1),
        new RealtimeConnection.MessageCallbacks() {
          @Override
          public void onTimedOut() {
            timedOut.incrementAndGet();
          }
        });
    Drive.until(clock, net, Duration.ofSeconds(4), () -> a.isClosed(), peerA, peerB);
    assertThat(inboxA.reason).isEqualTo(RealtimeConnection.REASON_RELIABLE_FAILED);
    assertThat(inboxA.byPeer).isFalse();
    assertThat(timedOut.get()).isEqualTo(1);
  }

  @Test
  void keepalivesKeepAnIdleConnectionAlive() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net =
        network(7L, LinkConditions.ideal().withLatency(Duration.ofMillis(40)).withLoss(0.2));
    Drive.of(clock, net, peerA, peerB).runFor(Duration.ofSeconds(12));
    assertThat(a.isClosed()).isFalse();
    assertThat(b.isClosed()).isFalse();
    assertThat(a.stats(clock.nanos()).packetsOut()).isBetween(40L, 60L); // about 4 per second
  }

  @Test
  void aBlackoutLongerThanTheTimeoutEndsBothSidesWithTheTimeoutCode() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net =
        network(
            8L,
            LinkConditions.ideal()
                .withLatency(Duration.ofMillis(10))
                .withBlackout(clock.nanos() + 1_000_000_000L, Duration.ofSeconds(7)));
    Drive.of(clock, net, peerA, peerB).runFor(Duration.ofSeconds(10));
    assertThat(a.isClosed()).isTrue();
    assertThat(b.isClosed()).isTrue();
    assertThat(inboxA.reason).isEqualTo(RealtimeConnection.REASON_TIMEOUT);
    assertThat(inboxB.reason).isEqualTo(RealtimeConnection.REASON_TIMEOUT);
    assertThat(inboxA.byPeer).isFalse();
    assertThat(inboxB.byPeer).isFalse();
  }

  @Test
  void disconnectReasonReachesThePeerDespiteHalfTheDatagramsLost() {
    connect(RealtimeConfig.defaults());
    SimulatedNetwork net =
        network(11L, LinkConditions.ideal().withLatency(Duration.ofMillis(10)).withLoss(0.5));
    Drive drive = Drive.of(clock, net, peerA, peerB);
    drive.runFor(Duration.ofSeconds(1));
    a.disconnect(clock.nanos(), 1042, "game over: réessayer");
    assertThat(inboxA.reason).isEqualTo(1042);
    assertThat(inboxA.byPeer).isFalse();
    drive.until(Duration.ofSeconds(1), () -> b.isClosed());
    assertThat(inboxB.reason).isEqualTo(1042);
    assertThat(inboxB.text).isEqualTo("game over: réessayer");
    assertThat(inboxB.byPeer).isTrue();
    assertThat(a.pollDatagram(clock.nanos())).isNull();
  }

  @Test
  void malformedDatagramsAreCountedAndDropped() {
    connect(RealtimeConfig.defaults());
    long now = clock.nanos();
    ByteBuf ok = Unpooled.buffer();
    RealtimeHeader.write(ok, 1, 0, 0, PacketKind.PAYLOAD, 0, TOKEN);
    b.handleDatagram(now, ok.slice(0, 10)); // truncated header
    ByteBuf badKind = Unpooled.buffer();
    RealtimeHeader.write(badKind, 2, 0, 0, PacketKind.PAYLOAD, 0, TOKEN);
    badKind.setByte(12, 0x0f);
    b.handleDatagram(now, badKind);
    ByteBuf garbage = Unpooled.buffer();
    RealtimeHeader.write(garbage, 3, 0, 0, PacketKind.PAYLOAD, 0, TOKEN);
    garbage.writeBytes(new byte[] {0, 3, 0, 1, 90}); // length past the end
    b.handleDatagram(now, garbage);
    ByteBuf wrongMode = Unpooled.buffer();
    RealtimeHeader.write(wrongMode, 4, 0, 0, PacketKind.PAYLOAD, 0, TOKEN);
    wrongMode.writeBytes(new byte[] {0, 0, 1, 7}); // channel 0 is reliable-ordered here
    b.handleDatagram(now, wrongMode);
    ByteBuf empty = Unpooled.buffer();
    RealtimeHeader.write(empty, 5, 0, 0, PacketKind.PAYLOAD, 0, TOKEN);
    b.handleDatagram(now, empty);
    assertThat(b.malformedPackets()).isEqualTo(4);
    assertThat(b.rejectedPackets()).isEqualTo(1);
    assertThat(inboxB.messages).isEmpty();
    // A well-formed one still gets through, once.
    ByteBuf good = Unpooled.buffer();
    RealtimeHeader.write(good, 6, 0, 0, PacketKind.PAYLOAD, 0, TOKEN);
    good.writeBytes(new byte[] {1, 0, 1, 7});
    b.handleDatagram(now, good.retainedDuplicate());
    b.handleDatagram(now, good);
    assertThat(inboxB.messages).hasSize(1);
    assertThat(b.duplicatePackets()).isEqualTo(1);
  }
}
