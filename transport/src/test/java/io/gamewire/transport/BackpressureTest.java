package io.gamewire.transport;

import static io.gamewire.transport.EchoFixture.ECHO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class BackpressureTest {

  @Test
  void clientThatStopsReadingIsClosedAndOthersAreUnharmed() throws Exception {
    EchoFixture.ServerEvents events = new EchoFixture.ServerEvents();
    String chunk = "x".repeat(60_000);
    PacketServer server =
        PacketServer.builder(EchoFixture.REGISTRY)
            .bind("127.0.0.1:0")
            .ioThreadCount(1) // the slow and the good client share one I/O thread
            .writeBudgetBytes(1024 * 1024)
            .config(io.gamewire.protocol.packet.PacketConfig.builder().compression(false).build())
            .listener(events)
            .handle(
                ECHO,
                (conn, text) -> {
                  if (text.equals("flood")) {
                    for (int i = 0; i < 600 && conn.send(ECHO, chunk); i++) {
                      // 36 MB, far more than socket buffers and the budget hold
                    }
                  } else {
                    conn.send(ECHO, text);
                  }
                })
            .build()
            .start();
    try (server;
        Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096);
      slow.connect(server.localAddress());
      slow.setSoTimeout(5000);
      RawPeer p = new RawPeer(slow.getInputStream(), slow.getOutputStream());
      p.readFrame();
      p.writeFrame(2, Map.of("conntype", "classic"));
      p.readFrame();
      p.writeFrame(4, Map.of("success", true));
      p.writeFrame(ECHO.id(), "flood"); // and never read again

      List<String> got = new CopyOnWriteArrayList<>();
      try (PacketClient good =
          PacketClient.builder(EchoFixture.REGISTRY)
              .connect(EchoFixture.addressOf(server))
              .handle(ECHO, (c, t) -> got.add(t))
              .build()
              .connect()) {
        for (int i = 0; i < 20; i++) {
          good.send(ECHO, "ping " + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 20);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> events.lines.stream().anyMatch(l -> l.contains("writebudgetexceeded")));
        assertThat(good.isOpen()).isTrue();
        good.send(ECHO, "after");
        await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("after"));
      }
    }
  }

  @Test
  void slowListenerStallsOnlyItsOwnConnection() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    try (PacketServer server =
        PacketServer.builder(EchoFixture.REGISTRY)
            .bind("127.0.0.1:0")
            .handle(
                ECHO,
                (conn, text) -> {
                  if (text.equals("block")) {
                    release.await(); // a listener that blocks
                  }
                  conn.send(ECHO, text);
                })
            .build()
            .start()) {
      List<String> blockedGot = new CopyOnWriteArrayList<>();
      List<String> freeGot = new CopyOnWriteArrayList<>();
      try (PacketClient blocked =
              PacketClient.builder(EchoFixture.REGISTRY)
                  .connect(EchoFixture.addressOf(server))
                  .handle(ECHO, (c, t) -> blockedGot.add(t))
                  .build()
                  .connect();
          PacketClient free =
              PacketClient.builder(EchoFixture.REGISTRY)
                  .connect(EchoFixture.addressOf(server))
                  .handle(ECHO, (c, t) -> freeGot.add(t))
                  .build()
                  .connect()) {
        blocked.send(ECHO, "block");
        blocked.send(ECHO, "queued");
        for (int i = 0; i < 50; i++) {
          free.send(ECHO, "free " + i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> freeGot.size() == 50);
        assertThat(blockedGot).isEmpty();
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> blockedGot.size() == 2);
        assertThat(blockedGot).containsExactly("block", "queued");
      }
    }
  }
}
