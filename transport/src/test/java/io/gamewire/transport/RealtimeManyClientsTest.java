package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.testkit.LossyUdpProxy;
import io.netty.util.ResourceLeakDetector;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RealtimeManyClientsTest {
  /**
   * The figure. 500 used to stall: the server read one datagram per event-loop cycle
   * (Netty's FixedRecvByteBufAllocator defaults to one message per read) and paid an output pass
   * over every connection for each, so its kernel receive queue grew to megabytes, seconds of
   * latency, then drops (docs/PROTOCOL.md section 8). {@code -Drt.clients=N} runs another count.
   */
  static final int CLIENTS = Integer.getInteger("rt.clients", 500);

  /**
   * All clients connect at once on one 2-core machine shared with other builds: give the whole
   * handshake more than the default 5 s. Every other timer (keepalive, timeout, reliable give-up)
   * keeps its default.
   */
  static final long CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);

  static final int MESSAGES = 10;
  static final int RELIABLE_ORDERED = 0;

  /** What one client received back: the message numbers, in arrival order. */
  static final class Received {
    final int[] numbers = new int[MESSAGES * 2];
    final AtomicInteger count = new AtomicInteger();
    final AtomicInteger wrongClient = new AtomicInteger();
  }

  private static ResourceLeakDetector.Level leakLevel;

  /**
   * The build runs tests with paranoid leak detection, which records a stack trace at every access
   * to every buffer: with 500 connections that alone saturates the event loop and the test then
   * measures the detector. The loopback tests cover these code paths under paranoid detection; here
   * simple detection still reports a leak, without the traces.
   */
  @BeforeAll
  static void lighterLeakDetection() {
    leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
  }

  @AfterAll
  static void restoreLeakDetection() {
    ResourceLeakDetector.setLevel(leakLevel);
  }

  @Test
  void hundredsOfClientsThroughALossyLinkGetEveryEchoOnceAndInOrder() throws Exception {
    long seed = System.nanoTime();
    LossyUdpProxy.Conditions lossy =
        LossyUdpProxy.Conditions.none()
            .withLoss(0.05)
            .withDuplication(0.02)
            .withReorder(0.05, Duration.ofMillis(5));
    java.util.Queue<String> disconnects = new java.util.concurrent.ConcurrentLinkedQueue<>();
    AtomicReference<RealtimeServer> serverRef = new AtomicReference<>();
    long started = System.nanoTime();
    try (IoThreads io = IoThreads.create(2, "gamewire-rt-many");
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

                      @Override
                      public void onDisconnected(
                          int clientId, int code, String text, boolean byPeer) {
                        disconnects.add(
                            "server side " + clientId + ": " + code + " " + text + " " + byPeer);
                      }
                    })
                .build()
                .start();
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.localAddress())
                .seed(seed)
                .conditions(lossy)
                .maxSessions(CLIENTS + 10)
                .start()) {
      serverRef.set(server);
      ExecutorService listeners = java.util.concurrent.Executors.newFixedThreadPool(2);
      List<RealtimeClient> clients = new ArrayList<>();
      List<Received> received = new ArrayList<>();
      List<CompletableFuture<RealtimeClient>> connecting = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int me = i;
        Received r = new Received();
        RealtimeClient c =
            RealtimeClient.builder(proxy.address())
                .handshake(
                    HandshakeConfig.defaults().withConnectTimeoutNanos(CONNECT_TIMEOUT_NANOS))
                .ioThreads(io)
                .listenerExecutor(listeners)
                .listener(
                    new RealtimeClientListener() {
                      @Override
                      public void onDisconnected(int code, String text, boolean byPeer) {
                        disconnects.add("client " + me + ": " + code + " " + text + " " + byPeer);
                      }

                      @Override
                      public void onMessage(int channel, byte[] message) {
                        ByteBuffer b = ByteBuffer.wrap(message);
                        if (channel != RELIABLE_ORDERED || b.getInt() != me) {
                          r.wrongClient.incrementAndGet();
                          return;
                        }
                        int at = r.count.getAndIncrement();
                        if (at < r.numbers.length) {
                          r.numbers[at] = b.getInt();
                        }
                      }
                    })
                .build();
        clients.add(c);
        received.add(r);
        connecting.add(c.connectAsync());
      }
      try {
        try {
          for (CompletableFuture<RealtimeClient> f : connecting) {
            f.get(40, TimeUnit.SECONDS);
          }
        } catch (Exception e) {
          System.out.printf(
              "connect failed: server clients %d; proxy %s / %s; server read %d datagrams in %d"
                  + " batches, %s%n",
              server.clientCount(),
              proxy.counters(LossyUdpProxy.Direction.TO_SERVER),
              proxy.counters(LossyUdpProxy.Direction.TO_CLIENT),
              server.datagramsRead(),
              server.readBatches(),
              server.counters());
          throw e;
        }
        long connectedAt = System.nanoTime();
        assertThat(server.clientCount()).isEqualTo(CLIENTS);
        for (int m = 0; m < MESSAGES; m++) {
          for (int i = 0; i < CLIENTS; i++) {
            byte[] msg = ByteBuffer.allocate(8).putInt(i).putInt(m).array();
            assertThat(clients.get(i).send(RELIABLE_ORDERED, msg)).isTrue();
          }
        }
        try {
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> received.stream().allMatch(r -> r.count.get() >= MESSAGES));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          int short_ = 0;
          for (int i = 0; i < CLIENTS; i++) {
            if (received.get(i).count.get() < MESSAGES && short_++ < 5) {
              System.out.printf(
                  "client %d: %d echoes, connected %s, stats %s, server stats %s%n",
                  i,
                  received.get(i).count.get(),
                  clients.get(i).isConnected(),
                  clients.get(i).stats(),
                  server.stats(i + 1));
            }
          }
          System.out.printf(
              "%d clients short; server clients %d queued %d; proxy %s / %s;"
                  + " server read %d datagrams in %d batches, %d output stalls, %s%n",
              short_,
              server.clientCount(),
              server.queuedSends(),
              proxy.counters(LossyUdpProxy.Direction.TO_SERVER),
              proxy.counters(LossyUdpProxy.Direction.TO_CLIENT),
              server.datagramsRead(),
              server.readBatches(),
              server.outputStalls(),
              server.counters());
          disconnects.stream().limit(20).forEach(System.out::println);
          throw e;
        }
        long echoedAt = System.nanoTime();
        // Late duplicates would show up as extra deliveries: give them a moment to appear.
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
        for (int i = 0; i < CLIENTS; i++) {
          Received r = received.get(i);
          assertThat(r.wrongClient.get())
              .as("client %d got foreign echoes (seed %d)", i, seed)
              .isZero();
          assertThat(r.count.get())
              .as("client %d echo count (seed %d)", i, seed)
              .isEqualTo(MESSAGES);
          for (int m = 0; m < MESSAGES; m++) {
            assertThat(r.numbers[m]).as("client %d echo %d (seed %d)", i, m, seed).isEqualTo(m);
          }
        }
        System.out.printf(
            "realtime many clients: %d clients connected in %d ms, %d echoes in %d ms, proxy %s/%s,"
                + " server read %d datagrams in %d batches, seed %d%n",
            CLIENTS,
            TimeUnit.NANOSECONDS.toMillis(connectedAt - started),
            CLIENTS * MESSAGES,
            TimeUnit.NANOSECONDS.toMillis(echoedAt - connectedAt),
            proxy.counters(LossyUdpProxy.Direction.TO_SERVER),
            proxy.counters(LossyUdpProxy.Direction.TO_CLIENT),
            server.datagramsRead(),
            server.readBatches(),
            seed);
      } finally {
        for (RealtimeClient c : clients) {
          c.close();
        }
        listeners.shutdown();
      }
    }
  }
}
