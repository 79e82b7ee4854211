package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.realtime.ConnectFailure;
import io.gamewire.protocol.realtime.Handshake;
import io.gamewire.protocol.realtime.PacketKind;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.protocol.realtime.RealtimeHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Closing reasons end to end over loopback: every DENIED reason reaches {@link
 * RealtimeConnectException#failure()}, and library and application disconnect codes reach the
 * peer's listener with their text. A raw socket plays the server where the test needs a server that
 * says something a {@link RealtimeServer} would not (another version, shutting down) or that falls
 * silent.
 */
class RealtimeClosingReasonsTest {
  static final Duration WAIT = Duration.ofSeconds(15);

  /** Receives the next datagram of {@code kind} on {@code raw}, bounded by WAIT. */
  static ByteBuf receive(DatagramChannel raw, PacketKind kind, InetSocketAddress[] from)
      throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      buf.clear();
      InetSocketAddress src = (InetSocketAddress) raw.receive(buf);
      if (src == null) {
        await().pollDelay(Duration.ofMillis(5)).atMost(WAIT).until(() -> true);
        continue;
      }
      buf.flip();
      ByteBuf d = Unpooled.copiedBuffer(buf);
      if (RealtimeHeader.isRealtime(d) && RealtimeHeader.kind(d) == kind) {
        from[0] = src;
        return d;
      }
    }
    throw new AssertionError("no " + kind + " within " + WAIT);
  }

  static DatagramChannel rawServer() throws Exception {
    DatagramChannel raw = DatagramChannel.open();
    raw.bind(new InetSocketAddress("127.0.0.1", 0));
    raw.configureBlocking(false);
    return raw;
  }

  static long nonceOfRequest(ByteBuf request) {
    return request.getLong(RealtimeHeader.BYTES + 1); // after u8 version
  }

  @Test
  void everyDenialReasonReachesTheConnectException() throws Exception {
    int[] reasons = {
      Handshake.DENIED_SERVER_FULL,
      Handshake.DENIED_VERSION_MISMATCH,
      Handshake.DENIED_TOKEN_REFUSED,
      Handshake.DENIED_SHUTTING_DOWN,
      200
    };
    ConnectFailure[] expected = {
      ConnectFailure.SERVER_FULL,
      ConnectFailure.VERSION_MISMATCH,
      ConnectFailure.TOKEN_REFUSED,
      ConnectFailure.SHUTTING_DOWN,
      ConnectFailure.DENIED
    };
    try (DatagramChannel raw = rawServer()) {
      InetSocketAddress at = (InetSocketAddress) raw.getLocalAddress();
      for (int i = 0; i < reasons.length; i++) {
        RealtimeClient client = RealtimeClient.builder(at).build();
        CompletableFuture<RealtimeClient> f = client.connectAsync();
        InetSocketAddress[] from = new InetSocketAddress[1];
        ByteBuf request = receive(raw, PacketKind.CONNECT_REQUEST, from);
        ByteBuf denied = Unpooled.buffer(Handshake.DENIED_BYTES);
        RealtimeHeader.write(denied, 0, 0, 0, PacketKind.DENIED, 0, 0);
        denied.writeLong(nonceOfRequest(request)).writeByte(reasons[i]);
        raw.send(denied.nioBuffer(), from[0]);
        try {
          f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
          throw new AssertionError("connected despite a denial");
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(RealtimeConnectException.class);
          RealtimeConnectException ce = (RealtimeConnectException) e.getCause();
          assertThat(ce.failure()).as("reason %d", reasons[i]).isEqualTo(expected[i]);
          assertThat(ce.getMessage())
              .contains(at.getPort() + "")
              .contains(expected[i].description());
        } finally {
          client.close();
        }
      }
    }
  }

  @Test
  void aServerThatFallsSilentEndsTheClientWithTheLibraryTimeoutCode() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    try (DatagramChannel raw = rawServer()) {
      InetSocketAddress at = (InetSocketAddress) raw.getLocalAddress();
      RealtimeClient client =
          RealtimeClient.builder(at)
              .listener(
                  new RealtimeClientListener() {
                    @Override
                    public void onDisconnected(int code, String text, boolean byPeer) {
                      events.add(code + " " + text + " " + byPeer);
                    }
                  })
              .build();
      try {
        CompletableFuture<RealtimeClient> f = client.connectAsync();
        InetSocketAddress[] from = new InetSocketAddress[1];
        long nonce = nonceOfRequest(receive(raw, PacketKind.CONNECT_REQUEST, from));
        ByteBuf challenge = Unpooled.buffer(Handshake.CHALLENGE_BYTES);
        RealtimeHeader.write(challenge, 0, 0, 0, PacketKind.CHALLENGE, 0, 0);
        challenge.writeLong(nonce).writeLong(1).writeZero(16);
        raw.send(challenge.nioBuffer(), from[0]);
        receive(raw, PacketKind.CHALLENGE_RESPONSE, from);
        ByteBuf accepted = Unpooled.buffer(Handshake.ACCEPTED_BYTES);
        RealtimeHeader.write(accepted, 0, 0, 0, PacketKind.ACCEPTED, 0, 0x0badcafe);
        // MTU 1200, keepalive 100 ms, timeout 1000 ms: the client adopts the server's timers.
        accepted.writeLong(nonce).writeShort(1200).writeShort(100).writeShort(1000);
        raw.send(accepted.nioBuffer(), from[0]);
        f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long connectedAt = System.nanoTime();
        // The raw server never answers again.
        await()
            .atMost(WAIT)
            .until(() -> events.contains(RealtimeConnection.REASON_TIMEOUT + " timed out false"));
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAt);
        assertThat(afterMillis).isGreaterThanOrEqualTo(900);
        assertThat(client.isConnected()).isFalse();
        assertThat(events).hasSize(1);
      } finally {
        client.close();
      }
    }
  }

  @Test
  void libraryAndApplicationCodesReachThePeerWithTheirText() throws Exception {
    List<String> serverEvents = new CopyOnWriteArrayList<>();
    List<String> clientEvents = new CopyOnWriteArrayList<>();
    try (RealtimeServer server =
        RealtimeServer.builder()
            .bind("127.0.0.1:0")
            .listener(
                new RealtimeServerListener() {
                  @Override
                  public void onDisconnected(int clientId, int code, String text, boolean byPeer) {
                    serverEvents.add(clientId + " " + code + " " + text + " " + byPeer);
                  }
                })
            .build()
            .start()) {
      RealtimeClientListener recorder =
          new RealtimeClientListener() {
            @Override
            public void onDisconnected(int code, String text, boolean byPeer) {
              clientEvents.add(code + " " + text + " " + byPeer);
            }
          };
      try (RealtimeClient a =
              RealtimeClient.builder(server.localAddress()).listener(recorder).build().connect();
          RealtimeClient b = RealtimeClient.builder(server.localAddress()).build().connect();
          RealtimeClient c = RealtimeClient.builder(server.localAddress()).build().connect()) {
        await().atMost(WAIT).until(() -> server.clientCount() == 3);
        // A library-range code from the server, with its text.
        server.disconnect(1, RealtimeConnection.REASON_PROTOCOL_ERROR, "bad input");
        await().atMost(WAIT).until(() -> clientEvents.contains("4 bad input true"));
        // The largest application code from a client, with UTF-8 text.
        b.disconnect(65_535, "gg ✓");
        await().atMost(WAIT).until(() -> serverEvents.contains("2 65535 gg ✓ true"));
        // Closing a client tells the server the library's "closed".
        c.close();
        await()
            .atMost(WAIT)
            .until(
                () ->
                    serverEvents.contains(
                        "3 " + RealtimeConnection.REASON_CLOSED + " closed true"));
        assertThat(serverEvents).contains("1 4 bad input false");
      }
    }
  }
}
