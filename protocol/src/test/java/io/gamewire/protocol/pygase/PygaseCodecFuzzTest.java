package io.gamewire.protocol.pygase;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer target for {@link PygaseCodec}: any bytes, decoded as a client and as a server package,
 * either fail with {@link MalformedMessageException} or decode to a package that re-encodes within
 * the size limits and decodes again to an equal package. Without {@code JAZZER_FUZZ} it runs once
 * on an empty input and on the files under {@code PygaseCodecFuzzTestInputs/} (the captured
 * datagrams). Run {@code JAZZER_FUZZ=1 mvn -pl protocol test -Dtest=PygaseCodecFuzzTest} to fuzz.
 */
class PygaseCodecFuzzTest {
  static final PygaseCodec CODEC = new PygaseCodec();

  @FuzzTest(maxDuration = "60s")
  void decodingNeverThrowsAnythingElse(byte[] input) {
    run(input);
  }

  static void run(byte[] input) {
    feedEndpoints(input);
    ByteBuf in = Unpooled.wrappedBuffer(input);
    try {
      PygaseClientPackage c = CODEC.decodeClientPackage(in);
      check(c.events().size() <= PygaseWire.MAX_EVENTS_PER_PACKAGE, "too many events");
      byte[] once = encode(c);
      if (once.length <= PygaseWire.MAX_PACKAGE_BYTES) { // absent args and kwargs are added
        byte[] twice = encode(CODEC.decodeClientPackage(Unpooled.wrappedBuffer(once)));
        check(java.util.Arrays.equals(once, twice), "encode(decode(x)) is not stable");
      }
    } catch (MalformedMessageException e) {
      // dropped and counted by the endpoints
    }
    check(in.readerIndex() == 0, "decoding moved the reader index");
    try {
      PygaseServerPackage s = CODEC.decodeServerPackage(in);
      ByteBuf out = Unpooled.buffer();
      check(
          CODEC.writeServerPackage(out, s.sequence(), s.ack(), s.ackBitfield(), s.update()),
          "a decoded update must fit again");
      for (PygaseEvent e : s.events()) {
        try {
          PygaseCodec.appendEvent(out, CODEC.encodeEvent(e));
        } catch (IllegalArgumentException tooBig) {
          check(tooBig.getMessage().contains("encodes to"), tooBig.getMessage());
          return;
        }
      }
      byte[] once = ByteBufUtil.getBytes(out);
      if (once.length <= PygaseWire.MAX_PACKAGE_BYTES) {
        PygaseServerPackage again = CODEC.decodeServerPackage(Unpooled.wrappedBuffer(once));
        check(again.update().timeOrder() == s.update().timeOrder(), "time order changed");
        check(again.update().gameStatus() == s.update().gameStatus(), "status changed");
        check(again.events().size() == s.events().size(), "events lost");
      }
    } catch (MalformedMessageException e) {
      // dropped and counted by the endpoints
    }
  }

  /**
   * The same bytes reach both endpoints, as the first datagram of a connection and again as a
   * duplicate: nothing throws, and the endpoints stay within their bounds.
   */
  static void feedEndpoints(byte[] input) {
    java.net.InetSocketAddress peer = new java.net.InetSocketAddress("10.0.0.2", 4000);
    PygaseServerEndpoint server =
        new PygaseServerEndpoint(
            PygaseConfig.defaults(),
            t -> new PygaseUpdate(3, null, io.gamewire.protocol.state.StateTree.EMPTY),
            io.netty.buffer.UnpooledByteBufAllocator.DEFAULT,
            (id, e) -> {});
    PygaseClientEndpoint client =
        new PygaseClientEndpoint(
            PygaseConfig.defaults(),
            peer,
            io.netty.buffer.UnpooledByteBufAllocator.DEFAULT,
            new PygaseClientEndpoint.Listener() {});
    client.connect(0);
    for (int i = 0; i < 2; i++) {
      server.handleDatagram(i, peer, Unpooled.wrappedBuffer(input));
      client.handleDatagram(i, peer, Unpooled.wrappedBuffer(input));
    }
    check(server.clientCount() <= 1, "one address, one client");
    PygaseServerEndpoint.Outgoing o;
    while ((o = server.pollDatagram(2)) != null) {
      check(o.bytes().readableBytes() <= PygaseWire.MAX_PACKAGE_BYTES, "oversized package");
      o.bytes().release();
    }
    server.handleTimeout(10_000_000_000L);
    check(server.clientCount() == 0, "a silent client must time out");
    client.close();
  }

  private static byte[] encode(PygaseClientPackage c) {
    List<byte[]> events = new ArrayList<>();
    for (PygaseEvent e : c.events()) {
      try {
        events.add(CODEC.encodeEvent(e));
      } catch (IllegalArgumentException tooBig) {
        // an event without handler_args/handler_kwargs gains them and may outgrow the limit
        check(tooBig.getMessage().contains("encodes to"), tooBig.getMessage());
        return new byte[PygaseWire.MAX_PACKAGE_BYTES + 1];
      }
    }
    ByteBuf out = Unpooled.buffer();
    PygaseCodec.writeClientPackage(
        out, c.sequence(), c.ack(), c.ackBitfield(), c.timeOrder(), events);
    return ByteBufUtil.getBytes(out);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
