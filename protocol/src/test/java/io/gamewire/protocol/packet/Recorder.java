package io.gamewire.protocol.packet;

import java.util.ArrayList;
import java.util.List;

/** Records what a {@link PacketConnection} reports, for assertions. */
final class Recorder implements PacketConnection.Listener {
  final List<String> events = new ArrayList<>();
  final List<Object> bodies = new ArrayList<>();
  final List<PacketType<?>> types = new ArrayList<>();
  PingReply ping;
  String closeReason;
  Boolean closedByPeer;
  int closeCount;
  boolean handshakeComplete;

  @Override
  public void onHandshakeComplete() {
    handshakeComplete = true;
    events.add("handshake");
  }

  @Override
  public void onPacket(PacketType<?> type, Object body) {
    types.add(type);
    bodies.add(body);
    events.add("packet " + type.name());
  }

  @Override
  public void onPacketIgnored(PacketType<?> type, String why) {
    events.add("ignored " + type.name());
  }

  @Override
  public void onPingReply(PingReply reply) {
    ping = reply;
    events.add("ping");
  }

  @Override
  public void onClosed(String reason, boolean byPeer) {
    closeReason = reason;
    closedByPeer = byPeer;
    closeCount++;
    events.add("closed " + reason);
  }
}
