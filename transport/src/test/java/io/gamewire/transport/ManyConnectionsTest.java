package io.gamewire.transport;

import static io.gamewire.transport.EchoFixture.ECHO;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ManyConnectionsTest {
  static final int CLIENTS = 1000;
  static final int MESSAGES = 5;

  @Test
  void thousandConcurrentConnectionsEchoOnLoopback() throws Exception {
    try (PacketServer server = EchoFixture.echoServer("127.0.0.1").backlog(1024).build().start();
        IoThreads clientThreads = IoThreads.create(2, "many-clients")) {
      java.util.concurrent.ExecutorService listeners =
          java.util.concurrent.Executors.newFixedThreadPool(2);
      CountDownLatch echoes = new CountDownLatch(CLIENTS * MESSAGES);
      AtomicInteger wrong = new AtomicInteger();
      List<CompletableFuture<PacketClient>> connecting = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        String expectedPrefix = "c" + i + ":";
        connecting.add(
            PacketClient.builder(EchoFixture.REGISTRY)
                .connect(EchoFixture.addressOf(server))
                .ioThreads(clientThreads)
                .listenerExecutor(listeners)
                .handle(
                    ECHO,
                    (c, text) -> {
                      if (!text.startsWith(expectedPrefix)) {
                        wrong.incrementAndGet();
                      }
                      echoes.countDown();
                    })
                .build()
                .connectAsync());
      }
      List<PacketClient> clients = new ArrayList<>();
      for (CompletableFuture<PacketClient> f : connecting) {
        clients.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(server.connectionCount()).isEqualTo(CLIENTS);
      for (int m = 0; m < MESSAGES; m++) {
        for (int i = 0; i < CLIENTS; i++) {
          clients.get(i).send(ECHO, "c" + i + ":" + m);
        }
      }
      assertThat(echoes.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(wrong.get()).isZero();
      for (PacketClient c : clients) {
        c.close();
      }
      listeners.shutdown();
    }
  }
}
