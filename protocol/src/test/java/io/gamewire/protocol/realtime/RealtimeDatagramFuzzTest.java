package io.gamewire.protocol.realtime;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;

/**
 * Jazzer targets for the realtime receive path: datagram decoding by both endpoints and the message
 * parser, and an established {@link RealtimeConnection} fed a script of fuzzed datagrams. They
 * assert only what must hold for any input: nothing throws, a datagram is counted once, no state is
 * created for an unvalidated address, no reply is as large as what it answers, memory caps hold
 * after every step, and closing releases every buffer (the build runs with paranoid leak
 * detection). Without {@code JAZZER_FUZZ} each runs once on an empty input and once per file under
 * {@code src/test/resources/.../RealtimeDatagramFuzzTestInputs/}; {@code JAZZER_FUZZ=1 mvn -pl
 * protocol test -Dtest=RealtimeDatagramFuzzTest} fuzzes for real.
 */
class RealtimeDatagramFuzzTest {
  static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40_000);
  static final long NOW = 1_000_000_000L;
  static final int TOKEN = 0x1234_5678;

  /** Small limits so that short inputs reach them. */
  static final RealtimeConfig CONFIG =
      RealtimeConfig.builder().maxMessageBytes(4096).maxQueuedMessages(64).build();

  static final RealtimeServerEndpoint.Listener QUIET_SERVER =
      new RealtimeServerEndpoint.Listener() {
        @Override
        public void onConnected(int id, InetSocketAddress address) {}

        @Override
        public void onMessage(int id, int channel, ByteBuf message) {}

        @Override
        public void onDisconnected(int id, int code, String text, boolean byPeer) {}
      };

  static final RealtimeClientEndpoint.Listener QUIET_CLIENT =
      new RealtimeClientEndpoint.Listener() {
        @Override
        public void onConnected() {}

        @Override
        public void onConnectFailed(ConnectFailure failure) {}

        @Override
        public void onMessage(int channel, ByteBuf message) {}

        @Override
        public void onDisconnected(int code, String text, boolean byPeer) {}
      };

  @FuzzTest(maxDuration = "60s")
  void datagramDecodingNeverThrowsAndCreatesNoState(byte[] input) {
    decode(input);
  }

  @FuzzTest(maxDuration = "60s")
  void connectionFedFuzzedDatagramsKeepsItsBounds(byte[] input) {
    feed(input);
  }

  static void decode(byte[] input) {
    byte[] key = new byte[32];
    new SplittableRandom(1).nextBytes(key);
    RealtimeServerEndpoint server =
        new RealtimeServerEndpoint(
            CONFIG,
            HandshakeConfig.defaults(),
            2,
            key,
            new SplittableRandom(2),
            ByteBufAllocator.DEFAULT,
            QUIET_SERVER);
    ByteBuf d = Unpooled.wrappedBuffer(input);
    server.handleDatagram(NOW, PEER, d);
    check(d.readerIndex() == 0 && d.readableBytes() == input.length, "input left untouched");
    RealtimeServerEndpoint.Outgoing o;
    int replies = 0;
    while ((o = server.pollDatagram(NOW)) != null) {
      check(o.bytes().readableBytes() < input.length, "reply smaller than the request");
      o.bytes().release();
      replies++;
    }
    check(replies <= 1, "at most one reply per datagram");
    // A MAC under a random key cannot be guessed: no connection, no state for this address.
    check(server.connectionCount() == 0, "no state for an unvalidated address");
    check(server.pendingReplies() == 0, "replies drained");
    DatagramCounters c = server.counters();
    check(c.received() == 1, "counted as received");
    check(
        c.dropped() + c.challengesSent() + c.deniedSent() + c.repliesDropped() == 1,
        "each datagram is dropped, answered or its answer refused, exactly once: " + c);
    server.close();

    RealtimeClientEndpoint client =
        new RealtimeClientEndpoint(
            CONFIG,
            HandshakeConfig.defaults(),
            PEER,
            new SplittableRandom(3),
            ByteBufAllocator.DEFAULT,
            QUIET_CLIENT);
    client.handleDatagram(NOW, PEER, d); // idle
    client.connect(NOW);
    client.handleDatagram(NOW, PEER, d);
    ByteBuf out;
    while ((out = client.pollDatagram(NOW)) != null) {
      out.release();
    }
    client.close();

    MessageFormat.Cursor cursor = new MessageFormat.Cursor();
    if (cursor.validate(d) >= 0) {
      cursor.reset(d);
      int records = 0;
      while (cursor.next()) {
        check(cursor.body().readableBytes() <= input.length, "a record lies within the datagram");
        records++;
      }
      check(records <= input.length, "records are at least a byte each");
    }
  }

  /**
   * The script: steps, each a tag byte then {@code u16 length} and that many bytes (fewer if the
   * input ends). Tag bit 0: the bytes follow a valid header with the connection's token (bits 1-2
   * pick PAYLOAD, KEEPALIVE or DISCONNECT; the header's sequence is the step number); otherwise
   * they are the whole datagram. Tag bits 3-7: milliseconds that pass before the step, with a timer
   * run and the output drained.
   */
  static void feed(byte[] input) {
    long[] delivered = {0};
    RealtimeConnection c =
        new RealtimeConnection(
            CONFIG,
            TOKEN,
            NOW,
            ByteBufAllocator.DEFAULT,
            (channel, message) -> {
              check(message.readableBytes() <= CONFIG.maxMessageBytes(), "message within max");
              delivered[0]++;
            });
    c.send(0, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), null);
    long now = NOW;
    int at = 0;
    int step = 0;
    PacketKind[] kinds = {PacketKind.PAYLOAD, PacketKind.KEEPALIVE, PacketKind.DISCONNECT};
    while (at < input.length) {
      int tag = input[at++] & 0xff;
      int length = 0;
      if (at + 1 < input.length) {
        length = ((input[at] & 0xff) << 8) | (input[at + 1] & 0xff);
        at += 2;
      }
      length = Math.min(length, Math.min(input.length - at, 2048));
      now += (tag >>> 3) * 1_000_000L;
      c.handleTimeout(now);
      drain(c, now);
      ByteBuf d = Unpooled.buffer();
      if ((tag & 1) != 0) {
        int seq = (step % 0xffff) + 1;
        RealtimeHeader.write(d, seq, 0, 0, kinds[((tag >>> 1) & 3) % 3], 0, TOKEN);
      }
      d.writeBytes(input, at, length);
      at += length;
      step++;
      long before =
          c.malformedPackets() + c.duplicatePackets() + c.rejectedPackets() + c.wrongTokenPackets();
      c.handleDatagram(now, d);
      long after =
          c.malformedPackets() + c.duplicatePackets() + c.rejectedPackets() + c.wrongTokenPackets();
      check(after - before <= 1, "a datagram is counted at most once");
      d.release();
      check(c.reassemblyBytes() <= 4 * CONFIG.maxMessageBytes(), "reassembly memory capped");
      drain(c, now);
    }
    c.close();
    drain(c, now);
    check(c.isClosed(), "closed");
    check(c.reassemblyBytes() == 0, "nothing held after close");
  }

  private static void drain(RealtimeConnection c, long now) {
    ByteBuf out;
    int n = 0;
    while ((out = c.pollDatagram(now)) != null) {
      check(out.readableBytes() <= CONFIG.mtuBytes(), "datagrams within the MTU");
      out.release();
      check(++n < 10_000, "output ends");
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
