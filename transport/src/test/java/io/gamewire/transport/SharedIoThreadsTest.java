package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Clients on shared I/O threads share its listener threads: many clients, not many threads. */
class SharedIoThreadsTest {
  static final int CLIENTS = 40;
  static final int MESSAGES = 5;

  @Test
  void clientsOnSharedIoThreadsShareListenerThreadsAndKeepTheirOrder() throws Exception {
    AtomicReference<RealtimeServer> serverRef = new AtomicReference<>();
    Set<String> listenerThreads = ConcurrentHashMap.newKeySet();
    try (IoThreads io = IoThreads.create(1, "shared-io");
        RealtimeServer server =
            RealtimeServer.builder()
                .bind("127.0.0.1:0")
                .maxClients(CLIENTS)
                .listener(
                    new RealtimeServerListener() {
                      @Override
                      public void onMessage(int clientId, int channel, byte[] message) {
                        serverRef.get().send(clientId, channel, message);
                      }
                    })
                .build()
                .start()) {
      serverRef.set(server);
      List<RealtimeClient> clients = new ArrayList<>();
      List<int[]> got = new ArrayList<>();
      List<AtomicInteger> counts = new ArrayList<>();
      List<CompletableFuture<RealtimeClient>> connecting = new ArrayList<>();
      try {
        for (int i = 0; i < CLIENTS; i++) {
          int[] numbers = new int[MESSAGES];
          AtomicInteger count = new AtomicInteger();
          got.add(numbers);
          counts.add(count);
          RealtimeClient c =
              RealtimeClient.builder(server.localAddress())
                  .ioThreads(io)
                  .listener(
                      new RealtimeClientListener() {
                        @Override
                        public void onMessage(int channel, byte[] message) {
                          listenerThreads.add(Thread.currentThread().getName());
                          int at = count.getAndIncrement();
                          if (at < MESSAGES) {
                            numbers[at] = ByteBuffer.wrap(message).getInt();
                          }
                        }
                      })
                  .build();
          clients.add(c);
          connecting.add(c.connectAsync());
        }
        for (CompletableFuture<RealtimeClient> f : connecting) {
          f.get(30, TimeUnit.SECONDS);
        }
        for (int m = 0; m < MESSAGES; m++) {
          for (RealtimeClient c : clients) {
            assertThat(c.send(0, ByteBuffer.allocate(4).putInt(m).array())).isTrue();
          }
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> counts.stream().allMatch(n -> n.get() >= MESSAGES));

        for (int i = 0; i < CLIENTS; i++) {
          assertThat(got.get(i))
              .as("client %d, reliable-ordered", i)
              .containsExactly(0, 1, 2, 3, 4);
        }
        assertThat(listenerThreads).allMatch(n -> n.startsWith("shared-io-listener"));
        assertThat(listenerThreads).hasSizeLessThanOrEqualTo(2);
        assertThat(
                Thread.getAllStackTraces().keySet().stream()
                    .map(Thread::getName)
                    .filter(n -> n.startsWith("gamewire-realtime-client")))
            .as("no client made threads of its own")
            .isEmpty();
      } finally {
        clients.forEach(RealtimeClient::close);
      }
    }
  }
}
