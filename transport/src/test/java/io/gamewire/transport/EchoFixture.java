package io.gamewire.transport;

import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The echo protocol used across transport tests, and a listener that records lifecycle events. */
final class EchoFixture {
  static final PacketRegistry REGISTRY;
  static final PacketType<String> ECHO;
  static final PacketType<Map<Object, Object>> PING;

  static {
    PacketRegistry.Builder b = PacketRegistry.builder();
    ECHO = b.register("echo:echo", PacketCodec.string());
    PING = b.register("echo:ping", PacketCodec.map());
    REGISTRY = b.build();
  }

  private EchoFixture() {}

  /** A server on an ephemeral loopback port that echoes {@code echo:echo}. */
  static PacketServer.Builder echoServer(String host) {
    return PacketServer.builder(REGISTRY)
        .bind(host.contains(":") ? "[" + host + "]:0" : host + ":0")
        .ioThreadCount(2)
        .handle(ECHO, (conn, text) -> conn.send(ECHO, text));
  }

  static String addressOf(PacketServer server) {
    return Addresses.format(server.localAddress());
  }

  /** Records every server event as a line, in the order the events arrive. */
  static final class ServerEvents implements PacketServerListener {
    final List<String> lines = new CopyOnWriteArrayList<>();

    @Override
    public void onInitialize(PacketServer server) {
      lines.add("initialize");
    }

    @Override
    public void onBind(PacketServer server, java.net.SocketAddress address) {
      lines.add("bind");
    }

    @Override
    public void onStart(PacketServer server) {
      lines.add("start");
    }

    @Override
    public void onStop(PacketServer server) {
      lines.add("stop");
    }

    @Override
    public void onShutdown(PacketServer server, String reason) {
      lines.add("shutdown " + reason);
    }

    @Override
    public void onAccept(Connection c) {
      lines.add("accept " + c.id());
    }

    @Override
    public void onHandshakeComplete(Connection c) {
      lines.add("handshake " + c.id());
    }

    @Override
    public void onReceive(Connection c, io.gamewire.protocol.packet.PacketType<?> t, Object body) {
      lines.add("receive " + c.id() + " " + t.name() + " " + body);
    }

    @Override
    public void onSend(Connection c, io.gamewire.protocol.packet.PacketType<?> t, Object body) {
      lines.add("send " + c.id() + " " + t.name() + " " + body);
    }

    @Override
    public boolean wantsSendEvents() {
      return true;
    }

    @Override
    public void onClose(Connection c, String reason, boolean byPeer) {
      lines.add("close " + c.id() + " " + reason + (byPeer ? " by peer" : ""));
    }
  }
}
