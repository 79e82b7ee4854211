package io.gamewire.protocol.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The server's output pass polls only connections with work and its timers come from a timing wheel
 * (docs/PROTOCOL.md section 8): with many connections, each one still gets its datagram on the tick
 * it was given a message, idle ones still get their keepalives, and silent ones still time out.
 */
class ServerOutputPassTest {
  static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.1", 7777);
  static final long MS = 1_000_000L;
  static final int CHANNEL = 1;

  final ByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
  final RealtimeConfig config =
      RealtimeConfig.builder().channels(Map.of(CHANNEL, DeliveryMode.UNRELIABLE)).build();
  final Map<InetSocketAddress, Integer> index = new HashMap<>();
  int[] clientMessages;
  int[] clientDatagrams;
  int serverDisconnects;
  RealtimeServerEndpoint server;
  RealtimeClientEndpoint[] clients;
  InetSocketAddress[] addresses;
  long now = 5_000 * MS;

  void connect(int n) {
    clientMessages = new int[n];
    clientDatagrams = new int[n];
    server =
        new RealtimeServerEndpoint(
            config,
            n,
            "0123456789abcdef-test-key".getBytes(),
            new SplittableRandom(1),
            alloc,
            new RealtimeServerEndpoint.Listener() {
              @Override
              public void onConnected(int id, InetSocketAddress address) {}

              @Override
              public void onMessage(int id, int channel, ByteBuf message) {}

              @Override
              public void onDisconnected(int id, int code, String text, boolean byPeer) {
                serverDisconnects++;
              }
            });
    clients = new RealtimeClientEndpoint[n];
    addresses = new InetSocketAddress[n];
    for (int i = 0; i < n; i++) {
      int me = i;
      addresses[i] = new InetSocketAddress("10.0.1." + (1 + i / 200), 40_000 + i);
      index.put(addresses[i], i);
      clients[i] =
          new RealtimeClientEndpoint(
              config,
              SERVER,
              new SplittableRandom(100 + i),
              alloc,
              new RealtimeClientEndpoint.Listener() {
                @Override
                public void onConnected() {}

                @Override
                public void onConnectFailed(ConnectFailure failure) {}

                @Override
                public void onMessage(int channel, ByteBuf message) {
                  clientMessages[me]++;
                }

                @Override
                public void onDisconnected(int code, String text, boolean byPeer) {}
              });
      clients[i].connect(now);
    }
    for (int step = 0; step < 50 && server.connectionCount() < n; step++) {
      exchange(true);
      now += MS;
    }
    assertThat(server.connectionCount()).isEqualTo(n);
  }

  /** Fires due timers and moves every datagram once each way; returns what the server sent. */
  int exchange(boolean clientsTalk) {
    if (clientsTalk) {
      for (int i = 0; i < clients.length; i++) {
        if (clients[i].nextTimeoutNanos() <= now) {
          clients[i].handleTimeout(now);
        }
        ByteBuf d;
        while ((d = clients[i].pollDatagram(now)) != null) {
          server.handleDatagram(now, addresses[i], d);
          d.release();
        }
      }
    }
    if (server.nextTimeoutNanos() <= now) {
      server.handleTimeout(now);
    }
    int sent = 0;
    ByteBuf o;
    while ((o = server.poll(now)) != null) {
      sent++;
      int c = index.get(server.polledAddress());
      clientDatagrams[c]++;
      clients[c].handleDatagram(now, SERVER, o);
      o.release();
    }
    return sent;
  }

  @Test
  void everyConnectionGivenAMessageSendsItOnThatTickAndNoOtherIsPolledForNothing() {
    connect(300);
    ByteBuf message = alloc.buffer(32).writeZero(32);
    // Let the handshake's acks settle.
    for (int t = 0; t < 30; t++) {
      exchange(true);
      now += MS;
    }
    java.util.Arrays.fill(clientDatagrams, 0);
    java.util.Arrays.fill(clientMessages, 0);
    for (int tick = 0; tick < 100; tick++) {
      // Every third connection gets a message this tick.
      for (int i = tick % 3; i < clients.length; i += 3) {
        assertThat(server.sendShared(i + 1, CHANNEL, message, null)).isTrue();
      }
      int sent = exchange(false);
      assertThat(sent).as("tick %d", tick).isEqualTo(100);
      now += MS;
    }
    for (int i = 0; i < clients.length; i++) {
      assertThat(clientMessages[i]).as("client %d", i).isBetween(33, 34);
      assertThat(clientDatagrams[i]).as("client %d", i).isEqualTo(clientMessages[i]);
    }
    message.release();
  }

  @Test
  void idleConnectionsGetKeepalivesFromTheWheelAndSilentOnesTimeOut() {
    connect(250);
    java.util.Arrays.fill(clientDatagrams, 0);
    long keepalive = config.keepaliveIntervalNanos();
    long until = now + 4 * keepalive;
    while (now < until) {
      now += 5 * MS; // a server timer coalesced to a few milliseconds
      exchange(true);
    }
    for (int i = 0; i < clients.length; i++) {
      assertThat(clientDatagrams[i]).as("keepalives to client %d", i).isBetween(3, 6);
    }
    assertThat(serverDisconnects).isZero();
    assertThat(server.connectionCount()).isEqualTo(250);

    // Now the clients fall silent: every connection times out on the server, none is forgotten.
    long silentUntil = now + config.timeoutNanos() + 2 * keepalive;
    while (now < silentUntil) {
      now += 7 * MS;
      exchange(false);
    }
    assertThat(serverDisconnects).isEqualTo(250);
    assertThat(server.connectionCount()).isZero();
  }

  @Test
  void broadcastSharedGoesToEveryOpenConnectionOnceAndSkipsOnesThatLeft() {
    connect(50);
    for (int t = 0; t < 30; t++) {
      exchange(true);
      now += MS;
    }
    ByteBuf message = alloc.buffer(32).writeZero(32);
    java.util.Arrays.fill(clientMessages, 0);
    assertThat(server.broadcastShared(CHANNEL, message)).isEqualTo(50);
    assertThat(exchange(false)).as("one datagram per connection").isEqualTo(50);
    assertThat(clientMessages).containsOnly(1);
    // Shared, not copied: each connection holds one reference until its datagram is written.
    assertThat(message.refCnt()).isEqualTo(1);

    // Connection 7 leaves; once its DISCONNECT copies are out, a broadcast no longer reaches it.
    server.disconnect(now, 7, 1000, "bye");
    for (int t = 0; t < 10; t++) {
      exchange(false);
      now += MS;
    }
    java.util.Arrays.fill(clientMessages, 0);
    assertThat(server.broadcastShared(CHANNEL, message)).isEqualTo(49);
    exchange(false);
    assertThat(clientMessages[6]).isZero();
    for (int i = 0; i < clients.length; i++) {
      if (i != 6) {
        assertThat(clientMessages[i]).as("client %d", i).isEqualTo(1);
      }
    }
    assertThat(message.refCnt()).isEqualTo(1);
    message.release();
  }
}
