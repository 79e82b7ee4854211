package io.gamewire.protocol.packet;

import io.gamewire.testkit.FakeClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A client and a server {@link PacketConnection} joined by an in-memory stream: {@link #pump} moves
 * every queued byte across until both sides are quiet, recording each side's output for golden
 * checks. Time is a {@link FakeClock}.
 */
final class Pair implements AutoCloseable {
  static final ByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false, true);

  final FakeClock clock = new FakeClock();
  final Recorder serverEvents = new Recorder();
  final Recorder clientEvents = new Recorder();
  final PacketConnection server;
  final PacketConnection client;
  final List<byte[]> serverWrites = new ArrayList<>();
  final List<byte[]> clientWrites = new ArrayList<>();

  Pair(PacketRegistry serverRegistry, PacketRegistry clientRegistry, PacketConfig config) {
    this(serverRegistry, clientRegistry, config, config, ConnectionType.CLASSIC, List.of(), null);
  }

  Pair(
      PacketRegistry serverRegistry,
      PacketRegistry clientRegistry,
      PacketConfig serverConfig,
      PacketConfig clientConfig,
      ConnectionType clientType,
      List<ConnectionType> serverTypes,
      PacketConnection.PingResponder responder) {
    server =
        PacketConnection.server(
            serverConfig,
            serverRegistry,
            serverTypes,
            responder,
            ALLOC,
            serverEvents,
            clock.nanos());
    client =
        clientType.isPing()
            ? PacketConnection.pingClient(
                clientConfig, ALLOC, clientEvents, Map.of("time", 1.5), clock.nanos())
            : PacketConnection.client(
                clientConfig, clientRegistry, clientType, ALLOC, clientEvents, clock.nanos());
  }

  static Pair classic(PacketRegistry registry) {
    return new Pair(registry, registry, PacketConfig.DEFAULT);
  }

  /** Starts both ends and runs the handshake to completion. */
  Pair start() {
    server.start(clock.nanos());
    client.start(clock.nanos());
    pump();
    return this;
  }

  /** Moves bytes both ways until neither side has output. */
  void pump() {
    for (int round = 0; round < 1000; round++) {
      ByteBuf s = server.pollOutput();
      ByteBuf c = client.pollOutput();
      if (s == null && c == null) {
        return;
      }
      if (s != null) {
        serverWrites.add(ByteBufUtil.getBytes(s));
        client.handleData(clock.nanos(), s);
      }
      if (c != null) {
        clientWrites.add(ByteBufUtil.getBytes(c));
        server.handleData(clock.nanos(), c);
      }
    }
    throw new AssertionError("the pair did not go quiet within 1000 rounds");
  }

  @Override
  public void close() {
    server.close();
    client.close();
  }
}
