package io.gamewire.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gamewire.testkit.LossyUdpProxy.Conditions;
import io.gamewire.testkit.LossyUdpProxy.Counters;
import io.gamewire.testkit.LossyUdpProxy.Direction;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LossyUdpProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int RECEIVE_TIMEOUT_MILLIS = 5_000;

  /** A UDP echo server on loopback that remembers who sent what. */
  static final class EchoServer implements AutoCloseable {
    record Received(InetSocketAddress from, String text) {}

    final DatagramSocket socket;
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean echo = true;

    EchoServer(InetAddress loopback) throws SocketException {
      socket = new DatagramSocket(new InetSocketAddress(loopback, 0));
      socket.setSoTimeout(100);
      thread = new Thread(this::run, "echo-server");
      thread.setDaemon(true);
      thread.start();
    }

    InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    List<String> texts() {
      List<String> t = new ArrayList<>();
      for (Received r : received) {
        t.add(r.text());
      }
      return t;
    }

    private void run() {
      byte[] buf = new byte[2048];
      while (!socket.isClosed()) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(p);
          InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
          received.add(
              new Received(
                  from, new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8)));
          if (echo) {
            socket.send(new DatagramPacket(p.getData(), p.getLength(), from));
          }
        } catch (SocketTimeoutException e) {
          // look at isClosed again
        } catch (IOException e) {
          return;
        }
      }
    }

    @Override
    public void close() {
      socket.close();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static final class Client implements AutoCloseable {
    final DatagramSocket socket;
    final InetSocketAddress proxy;

    Client(InetAddress loopback, InetSocketAddress proxy) throws SocketException {
      this.socket = new DatagramSocket(new InetSocketAddress(loopback, 0));
      this.socket.setSoTimeout(RECEIVE_TIMEOUT_MILLIS);
      this.proxy = proxy;
    }

    InetSocketAddress address() {
      return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    void send(String text) throws IOException {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      socket.send(new DatagramPacket(b, b.length, proxy));
    }

    String receive() throws IOException {
      byte[] buf = new byte[2048];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      socket.receive(p);
      assertThat(p.getSocketAddress()).isEqualTo(proxy);
      return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  private static InetAddress loopback(String family) throws IOException {
    InetAddress a = InetAddress.getByName(family.equals("IPv6") ? "::1" : "127.0.0.1");
    if (family.equals("IPv6")) {
      try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(a, 0))) {
        assertThat(probe.getLocalPort()).isPositive();
      } catch (SocketException e) {
        assumeTrue(false, "IPv6 loopback is not available here: " + e);
      }
    }
    return a;
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4", "IPv6"})
  void forwardsBothWaysForSeveralClientsEachWithItsOwnUpstreamSource(String family)
      throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy = LossyUdpProxy.builder(server.address()).seed(1).start()) {
      assertThat(proxy.address().getAddress()).isEqualTo(lo);
      List<Client> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          clients.add(new Client(lo, proxy.address()));
        }
        for (int round = 0; round < 10; round++) {
          for (int i = 0; i < clients.size(); i++) {
            String text = "client" + i + "-round" + round;
            clients.get(i).send(text);
            assertThat(clients.get(i).receive()).isEqualTo(text);
          }
        }
        Set<InetSocketAddress> sources = new HashSet<>();
        for (EchoServer.Received r : server.received) {
          sources.add(r.from());
        }
        assertThat(sources).hasSize(4);
        assertThat(proxy.sessionCount()).isEqualTo(4);
        for (int i = 0; i < clients.size(); i++) {
          Client c = clients.get(i);
          InetSocketAddress upstreamSource = proxy.upstreamSourceFor(c.address());
          assertThat(upstreamSource).isNotNull().isNotEqualTo(c.address());
          assertThat(upstreamSource.getAddress()).isEqualTo(lo);
          String prefix = "client" + i + "-";
          assertThat(server.received)
              .filteredOn(r -> r.text().startsWith(prefix))
              .hasSize(10)
              .allSatisfy(r -> assertThat(r.from()).isEqualTo(upstreamSource));
        }
        // The proxy counts a datagram after the send returns, which can be after the reply lands.
        await().atMost(WAIT).until(() -> proxy.counters(Direction.TO_CLIENT).forwarded() == 40);
        Counters up = proxy.counters(Direction.TO_SERVER);
        Counters down = proxy.counters(Direction.TO_CLIENT);
        assertThat(up.received()).isEqualTo(40);
        assertThat(up.forwarded()).isEqualTo(40);
        assertThat(down.forwarded()).isEqualTo(40);
        assertThat(up.dropped() + down.dropped() + up.overflow() + down.overflow()).isZero();
      } finally {
        clients.forEach(Client::close);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4", "IPv6"})
  void certainLossLetsNothingThroughAndNoLossLetsEverythingThrough(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.address())
                .conditions(Direction.TO_SERVER, Conditions.none().withLoss(1.0))
                .start();
        Client client = new Client(lo, proxy.address())) {
      for (int i = 0; i < 50; i++) {
        client.send("lost" + i);
      }
      // The proxy decides on receipt, so once all 50 are counted as dropped none is on its way.
      await().atMost(WAIT).until(() -> proxy.counters(Direction.TO_SERVER).dropped() == 50);
      assertThat(proxy.counters(Direction.TO_SERVER).received()).isEqualTo(50);
      assertThat(proxy.counters(Direction.TO_SERVER).forwarded()).isZero();

      proxy.setConditions(Direction.TO_SERVER, Conditions.none());
      proxy.setConditions(Direction.TO_CLIENT, Conditions.none().withLoss(1.0));
      for (int i = 0; i < 50; i++) {
        client.send("echo-lost" + i);
      }
      await().atMost(WAIT).until(() -> proxy.counters(Direction.TO_CLIENT).dropped() == 50);
      assertThat(proxy.counters(Direction.TO_CLIENT).received()).isEqualTo(50);
      assertThat(server.texts()).hasSize(50).allMatch(t -> t.startsWith("echo-lost"));

      proxy.setConditions(Direction.TO_CLIENT, Conditions.none());
      for (int i = 0; i < 100; i++) {
        client.send("kept" + i);
      }
      for (int i = 0; i < 100; i++) {
        assertThat(client.receive()).isEqualTo("kept" + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4"})
  void partialLossDropsAboutTheConfiguredShare(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.address())
                .seed(77)
                .conditions(Direction.TO_SERVER, Conditions.none().withLoss(0.5))
                .start();
        Client client = new Client(lo, proxy.address())) {
      for (int i = 0; i < 400; i++) {
        client.send("p" + i);
        if (i % 50 == 49) {
          int sent = i + 1;
          await().atMost(WAIT).until(() -> proxy.counters(Direction.TO_SERVER).received() == sent);
        }
      }
      await()
          .atMost(WAIT)
          .until(
              () -> {
                Counters c = proxy.counters(Direction.TO_SERVER);
                return c.dropped() + c.forwarded() == 400;
              });
      Counters up = proxy.counters(Direction.TO_SERVER);
      // The seed fixes the decisions for this sequence; the bounds are also ±5 standard deviations.
      assertThat(up.dropped()).isBetween(150L, 250L);
      await().atMost(WAIT).until(() -> server.received.size() == up.forwarded());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4", "IPv6"})
  void duplicatesEveryDatagramWhenToldTo(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.address())
                .conditions(Direction.TO_SERVER, Conditions.none().withDuplication(1.0))
                .start();
        Client client = new Client(lo, proxy.address())) {
      for (int i = 0; i < 10; i++) {
        client.send("d" + i);
      }
      await().atMost(WAIT).until(() -> server.received.size() == 20);
      await().atMost(WAIT).until(() -> proxy.counters(Direction.TO_SERVER).forwarded() == 20);
      assertThat(proxy.counters(Direction.TO_SERVER).duplicated()).isEqualTo(10);
      List<String> replies = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        replies.add(client.receive());
      }
      assertThat(new HashSet<>(replies)).hasSize(10);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4", "IPv6"})
  void reorderingHoldsADatagramBackUntilTheNextOneHasGone(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.address())
                .conditions(
                    Direction.TO_SERVER, Conditions.none().withReorder(1.0, Duration.ofSeconds(30)))
                .start();
        Client client = new Client(lo, proxy.address())) {
      for (int i = 1; i <= 4; i++) {
        client.send("r" + i);
      }
      await().atMost(WAIT).until(() -> server.received.size() == 4);
      assertThat(server.texts()).containsExactly("r2", "r1", "r4", "r3");
      assertThat(proxy.counters(Direction.TO_SERVER).reordered()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4"})
  void heldDatagramIsReleasedAfterItsHoldTimeWhenNothingFollows(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.address())
                .conditions(
                    Direction.TO_SERVER, Conditions.none().withReorder(1.0, Duration.ofMillis(100)))
                .start();
        Client client = new Client(lo, proxy.address())) {
      long start = System.nanoTime();
      client.send("alone");
      assertThat(client.receive()).isEqualTo("alone");
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(100_000_000L);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4", "IPv6"})
  void delaysEachDirection(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.address())
                .conditions(
                    Conditions.none().withDelay(Duration.ofMillis(60), Duration.ofMillis(20)))
                .start();
        Client client = new Client(lo, proxy.address())) {
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        client.send("slow" + i);
        assertThat(client.receive()).isEqualTo("slow" + i);
        // 60 ms ± 20 ms each way: at least 80 ms for the round trip.
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(80_000_000L);
      }
      assertThat(proxy.counters(Direction.TO_SERVER).delayed()).isEqualTo(3);
      assertThat(proxy.counters(Direction.TO_CLIENT).delayed()).isEqualTo(3);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4"})
  void boundsTheQueueAndTheSessions(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.address())
                .maxQueuedDatagrams(5)
                .maxSessions(1)
                .conditions(
                    Direction.TO_SERVER,
                    Conditions.none().withDelay(Duration.ofHours(1), Duration.ZERO))
                .start();
        Client first = new Client(lo, proxy.address());
        Client second = new Client(lo, proxy.address())) {
      for (int i = 0; i < 20; i++) {
        first.send("q" + i);
      }
      await().atMost(WAIT).until(() -> proxy.counters(Direction.TO_SERVER).overflow() == 15);
      assertThat(proxy.counters(Direction.TO_SERVER).received()).isEqualTo(20);
      assertThat(proxy.counters(Direction.TO_SERVER).delayed()).isEqualTo(5);

      second.send("no room");
      await().atMost(WAIT).until(() -> proxy.counters(Direction.TO_SERVER).overflow() == 16);
      assertThat(proxy.counters(Direction.TO_SERVER).received()).isEqualTo(21);
      assertThat(proxy.sessionCount()).isEqualTo(1);
      assertThat(proxy.upstreamSourceFor(second.address())).isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"IPv4", "IPv6"})
  void closesCleanlyAndReleasesEverySocket(String family) throws Exception {
    InetAddress lo = loopback(family);
    try (EchoServer server = new EchoServer(lo);
        Client a = new Client(lo, null);
        Client b = new Client(lo, null)) {
      LossyUdpProxy proxy =
          LossyUdpProxy.builder(server.address())
              .conditions(Conditions.none().withDelay(Duration.ofSeconds(10), Duration.ZERO))
              .start();
      InetSocketAddress listen = proxy.address();
      byte[] ping = {1};
      a.socket.send(new DatagramPacket(ping, 1, listen));
      b.socket.send(new DatagramPacket(ping, 1, listen));
      await().atMost(WAIT).until(() -> proxy.sessionCount() == 2);
      List<InetSocketAddress> bound =
          List.of(
              listen, proxy.upstreamSourceFor(a.address()), proxy.upstreamSourceFor(b.address()));
      assertThat(proxy.isRunning()).isTrue();

      proxy.close(); // with datagrams still queued
      proxy.close();

      assertThat(proxy.isRunning()).isFalse();
      assertThat(proxy.failure()).isNull();
      for (InetSocketAddress address : bound) {
        try (DatagramSocket rebound = new DatagramSocket(address)) {
          assertThat(rebound.getLocalSocketAddress()).isEqualTo(address);
        }
      }
    }
  }
}
