package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.realtime.ConnectFailure;
import io.gamewire.protocol.realtime.DatagramCounters;
import io.gamewire.protocol.realtime.Handshake;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.protocol.realtime.PacketKind;
import io.gamewire.protocol.realtime.RealtimeHeader;
import io.gamewire.testkit.LossyUdpProxy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The realtime server against hostile traffic over real loopback sockets: connect floods from many
 * source ports, a full server under a connect storm, garbage and replayed datagrams, and an inbound
 * flood while connections must keep their timers (docs/PROTOCOL.md section 8).
 */
class RealtimeSecurityTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final int REQUEST_BYTES = HandshakeConfig.defaults().minRequestBytes();

  /** A padded CONNECT_REQUEST as docs/PROTOCOL.md section 3 lays it out. */
  static byte[] connectRequest(long nonce, int paddedBytes) {
    ByteBuf b = Unpooled.buffer(paddedBytes);
    RealtimeHeader.write(b, 0, 0, 0, PacketKind.CONNECT_REQUEST, 0, 0);
    b.writeByte(Handshake.VERSION).writeLong(nonce).writeShort(0);
    b.writeZero(paddedBytes - b.writerIndex());
    return bytes(b);
  }

  /** The CHALLENGE_RESPONSE that echoes {@code challenge}, padded. */
  static byte[] challengeResponse(byte[] challenge) {
    int body = RealtimeHeader.BYTES;
    ByteBuf c = Unpooled.wrappedBuffer(challenge);
    ByteBuf b = Unpooled.buffer(REQUEST_BYTES);
    RealtimeHeader.write(b, 0, 0, 0, PacketKind.CHALLENGE_RESPONSE, 0, 0);
    b.writeByte(Handshake.VERSION)
        .writeLong(c.getLong(body))
        .writeLong(c.getLong(body + 8))
        .writeBytes(challenge, body + 16, 16)
        .writeShort(0);
    b.writeZero(REQUEST_BYTES - b.writerIndex());
    return bytes(b);
  }

  static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  static PacketKind kindOf(byte[] d) {
    return d.length >= RealtimeHeader.BYTES ? RealtimeHeader.kind(Unpooled.wrappedBuffer(d)) : null;
  }

  static DatagramChannel rawSocket() throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
    ch.bind(new InetSocketAddress("127.0.0.1", 0));
    ch.configureBlocking(false);
    return ch;
  }

  /** Every datagram waiting on {@code ch} now. */
  static List<byte[]> drain(DatagramChannel ch) throws IOException {
    List<byte[]> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    while (true) {
      buf.clear();
      SocketAddress from = ch.receive(buf);
      if (from == null) {
        return out;
      }
      buf.flip();
      byte[] d = new byte[buf.remaining()];
      buf.get(d);
      out.add(d);
    }
  }

  static void closeAll(List<DatagramChannel> sockets) {
    for (DatagramChannel ch : sockets) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing a test socket
      }
    }
  }

  @Test
  void connectFloodFromManySourcePortsCreatesNoStateAndNeverAmplifies() throws Exception {
    int sources = 100;
    int requestsEach = 5;
    List<DatagramChannel> sockets = new ArrayList<>();
    try (RealtimeServer server =
        RealtimeServer.builder().bind("127.0.0.1:0").maxClients(8).build().start()) {
      InetSocketAddress to = server.localAddress();
      long[] sent = new long[sources];
      long[] received = new long[sources];
      SplittableRandom random = new SplittableRandom(42);
      for (int i = 0; i < sources; i++) {
        sockets.add(rawSocket());
      }
      for (int r = 0; r < requestsEach; r++) {
        for (int i = 0; i < sources; i++) {
          byte[] request = connectRequest(random.nextLong(), REQUEST_BYTES);
          sent[i] += sockets.get(i).send(ByteBuffer.wrap(request), to);
          // An unpadded request: must be dropped without any answer.
          byte[] shortRequest = connectRequest(random.nextLong(), 64);
          sent[i] += sockets.get(i).send(ByteBuffer.wrap(shortRequest), to);
        }
        // Pace the flood so the kernel's receive buffer keeps everything (the counts below are
        // exact): what matters is the number of sources, not their rate.
        int expected = (r + 1) * sources * 2;
        await().atMost(WAIT).until(() -> server.counters().received() >= expected);
      }
      int challenges = sources * requestsEach;
      await().atMost(WAIT).until(() -> server.counters().challengesSent() == challenges);
      AtomicInteger replies = new AtomicInteger();
      await()
          .atMost(WAIT)
          .until(
              () -> {
                for (int i = 0; i < sources; i++) {
                  for (byte[] d : drain(sockets.get(i))) {
                    assertThat(kindOf(d)).isEqualTo(PacketKind.CHALLENGE);
                    assertThat(d.length).isLessThan(REQUEST_BYTES);
                    received[i] += d.length;
                    replies.incrementAndGet();
                  }
                }
                return replies.get() == challenges;
              });
      for (int i = 0; i < sources; i++) {
        assertThat(received[i])
            .as("bytes sent back to unvalidated source %d", i)
            .isLessThanOrEqualTo(sent[i]);
      }
      DatagramCounters c = server.counters();
      assertThat(c.unpadded()).isEqualTo(challenges);
      assertThat(c.repliesDropped()).isZero();
      assertThat(server.clientCount()).isZero();
      assertThat(server.pendingReplies()).isZero();
      // Nothing arrives later either: every reply was accounted for above.
      assertThat(sockets.stream().mapToInt(s -> uncheckedDrain(s).size()).sum()).isZero();
    } finally {
      closeAll(sockets);
    }
  }

  static List<byte[]> uncheckedDrain(DatagramChannel ch) {
    try {
      return drain(ch);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void fullServerServesItsClientsWhileHammeredAndDeniesTheRestWithServerFull() throws Exception {
    AtomicReference2 serverRef = new AtomicReference2();
    List<DatagramChannel> hammer = new ArrayList<>();
    AtomicBoolean hammering = new AtomicBoolean(true);
    AtomicLong rawDenials = new AtomicLong();
    AtomicLong rawRequests = new AtomicLong();
    try (RealtimeServer server =
        RealtimeServer.builder()
            .bind("127.0.0.1:0")
            .maxClients(2)
            .listener(
                new RealtimeServerListener() {
                  @Override
                  public void onMessage(int clientId, int channel, byte[] message) {
                    serverRef.server.send(clientId, channel, message);
                  }
                })
            .build()
            .start()) {
      serverRef.server = server;
      List<Queue<byte[]>> echoes = new ArrayList<>();
      List<RealtimeClient> clients = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Queue<byte[]> q = new ConcurrentLinkedQueue<>();
        echoes.add(q);
        clients.add(
            RealtimeClient.builder(server.localAddress())
                .listener(
                    new RealtimeClientListener() {
                      @Override
                      public void onMessage(int channel, byte[] message) {
                        q.add(message);
                      }
                    })
                .build()
                .connect());
      }
      for (int i = 0; i < 20; i++) {
        hammer.add(rawSocket());
      }
      InetSocketAddress to = server.localAddress();
      Thread flood =
          new Thread(
              () -> {
                SplittableRandom random = new SplittableRandom(7);
                long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                try {
                  while (hammering.get() && System.nanoTime() < stopAt) {
                    for (DatagramChannel ch : hammer) {
                      ch.send(
                          ByteBuffer.wrap(connectRequest(random.nextLong(), REQUEST_BYTES)), to);
                      rawRequests.incrementAndGet();
                      for (byte[] d : drain(ch)) {
                        if (kindOf(d) == PacketKind.CHALLENGE) {
                          ch.send(ByteBuffer.wrap(challengeResponse(d)), to);
                        } else if (kindOf(d) == PacketKind.DENIED
                            && d[RealtimeHeader.BYTES + 8] == Handshake.DENIED_SERVER_FULL) {
                          rawDenials.incrementAndGet();
                        }
                      }
                    }
                    // About 1,000 requests a second, each answered and its challenge echoed: a
                    // storm on this shared 2-core machine, but one the server can answer.
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              "connect-hammer");
      flood.setDaemon(true);
      flood.start();
      try {
        // The connected clients keep being served: 100 reliable echoes each, in order.
        for (int m = 0; m < 100; m++) {
          for (RealtimeClient c : clients) {
            assertThat(c.send(0, ByteBuffer.allocate(4).putInt(m).array())).isTrue();
          }
        }
        for (Queue<byte[]> q : echoes) {
          await().atMost(WAIT).until(() -> q.size() >= 100);
          int expect = 0;
          for (byte[] e : q) {
            assertThat(ByteBuffer.wrap(e).getInt()).isEqualTo(expect++);
          }
        }
        // Real clients beyond maxClients are told why.
        for (int i = 0; i < 3; i++) {
          RealtimeClient extra =
              RealtimeClient.builder(server.localAddress())
                  .handshake(
                      HandshakeConfig.defaults()
                          .withConnectTimeoutNanos(TimeUnit.SECONDS.toNanos(15)))
                  .build();
          assertThatThrownBy(extra::connect)
              .isInstanceOf(RealtimeConnectException.class)
              .hasMessageContaining("server full")
              .satisfies(
                  e ->
                      assertThat(((RealtimeConnectException) e).failure())
                          .isEqualTo(ConnectFailure.SERVER_FULL));
          extra.close();
        }
        await().atMost(WAIT).until(() -> rawDenials.get() > 0);
        assertThat(server.clientCount()).isEqualTo(2);
        assertThat(clients).allMatch(RealtimeClient::isConnected);
      } finally {
        hammering.set(false);
        flood.join(TimeUnit.SECONDS.toMillis(5));
        for (RealtimeClient c : clients) {
          c.close();
        }
      }
      DatagramCounters c = server.counters();
      assertThat(c.deniedSent()).isGreaterThanOrEqualTo(rawDenials.get());
      assertThat(c.challengesSent()).isGreaterThan(0);
      System.out.printf(
          "full server: %d raw connect requests, %d raw denials, counters %s%n",
          rawRequests.get(), rawDenials.get(), c);
    } finally {
      hammering.set(false);
      closeAll(hammer);
    }
  }

  /** Holds the server for its own listener. */
  static final class AtomicReference2 {
    volatile RealtimeServer server;
  }

  @Test
  void garbageTruncatedAndReplayedDatagramsAreCountedAndDroppedWithoutDisturbingAConnection()
      throws Exception {
    Queue<byte[]> toServer = new ConcurrentLinkedQueue<>();
    AtomicReference2 serverRef = new AtomicReference2();
    List<String> disconnects = new CopyOnWriteArrayList<>();
    DatagramChannel attacker = rawSocket();
    try (RealtimeServer server =
            RealtimeServer.builder()
                .bind("127.0.0.1:0")
                .listener(
                    new RealtimeServerListener() {
                      @Override
                      public void onMessage(int clientId, int channel, byte[] message) {
                        serverRef.server.send(clientId, channel, message);
                      }

                      @Override
                      public void onDisconnected(
                          int clientId, int code, String text, boolean byPeer) {
                        disconnects.add(clientId + " " + code + " " + text);
                      }
                    })
                .build()
                .start();
        LossyUdpProxy proxy =
            LossyUdpProxy.builder(server.localAddress())
                .seed(3)
                .conditions(LossyUdpProxy.Conditions.none().withDuplication(0.3))
                .tap(
                    (direction, d) -> {
                      if (direction == LossyUdpProxy.Direction.TO_SERVER && toServer.size() < 500) {
                        toServer.add(d);
                      }
                    })
                .start()) {
      serverRef.server = server;
      AtomicInteger echoes = new AtomicInteger();
      RealtimeClient client =
          RealtimeClient.builder(proxy.address())
              .listener(
                  new RealtimeClientListener() {
                    @Override
                    public void onMessage(int channel, byte[] message) {
                      echoes.incrementAndGet();
                    }

                    @Override
                    public void onDisconnected(int code, String text, boolean byPeer) {
                      disconnects.add("client " + code + " " + text);
                    }
                  })
              .build()
              .connect();
      try {
        for (int m = 0; m < 50; m++) {
          client.send(0, new byte[] {(byte) m});
        }
        await().atMost(WAIT).until(() -> echoes.get() == 50);
        InetSocketAddress to = server.localAddress();
        DatagramCounters before = server.counters();
        // Replays of the client's own datagrams, from another port.
        List<byte[]> captured = new ArrayList<>(toServer);
        int payloads = 0;
        for (byte[] d : captured) {
          PacketKind k = kindOf(d);
          if (k == PacketKind.PAYLOAD || k == PacketKind.KEEPALIVE) {
            attacker.send(ByteBuffer.wrap(d), to);
            payloads++;
          }
        }
        assertThat(payloads).isGreaterThan(0);
        // Garbage, truncations and protocol violations.
        SplittableRandom random = new SplittableRandom(11);
        int garbage = 200;
        for (int i = 0; i < garbage; i++) {
          byte[] g = new byte[1 + random.nextInt(1300)];
          random.nextBytes(g);
          attacker.send(ByteBuffer.wrap(g), to);
        }
        byte[] valid = captured.get(captured.size() - 1);
        for (int n = 0; n < RealtimeHeader.BYTES; n++) {
          attacker.send(ByteBuffer.wrap(java.util.Arrays.copyOf(valid, n)), to);
        }
        byte[] badKind = valid.clone();
        badKind[12] = 0x7f; // an unknown kind
        attacker.send(ByteBuffer.wrap(badKind), to);
        byte[] serverOnly = connectRequest(1, REQUEST_BYTES);
        serverOnly[12] = (byte) PacketKind.ACCEPTED.code(); // a kind only clients receive
        attacker.send(ByteBuffer.wrap(serverOnly), to);
        int sentByAttacker = payloads + garbage + RealtimeHeader.BYTES + 2;
        await()
            .atMost(WAIT)
            .until(() -> server.counters().received() - before.received() >= sentByAttacker);
        DatagramCounters after = server.counters();
        assertThat(after.unknownAddress() - before.unknownAddress())
            .as("replayed payloads and keepalives from another port")
            .isGreaterThanOrEqualTo(payloads);
        assertThat(after.notRealtime() - before.notRealtime())
            .as("garbage and truncated datagrams")
            .isGreaterThanOrEqualTo(RealtimeHeader.BYTES);
        assertThat(after.malformed() - before.malformed()).isGreaterThanOrEqualTo(2);
        assertThat(after.duplicates()).as("the proxy's duplicates").isGreaterThan(0);
        assertThat(after.dropped()).isGreaterThanOrEqualTo(sentByAttacker);
        // Nothing of it reached the attacker as a reply bigger than zero...
        assertThat(drain(attacker)).allMatch(d -> d.length < REQUEST_BYTES);
        // ...and the connection goes on as if nothing happened.
        for (int m = 0; m < 50; m++) {
          client.send(0, new byte[] {(byte) m});
        }
        await().atMost(WAIT).until(() -> echoes.get() == 100);
        assertThat(client.isConnected()).isTrue();
        assertThat(server.clientCount()).isEqualTo(1);
        assertThat(disconnects).isEmpty();
      } finally {
        client.close();
      }
    } finally {
      attacker.close();
    }
  }

  @Test
  void inboundFloodDoesNotStarveTimersOrSendsAndReadsAreBatchedWithinTheBound() throws Exception {
    AtomicReference2 serverRef = new AtomicReference2();
    List<DatagramChannel> flooders = new ArrayList<>();
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicLong floodSent = new AtomicLong();
    Queue<String> serverEnds = new ConcurrentLinkedQueue<>();
    AtomicLong silentTimedOutAt = new AtomicLong();
    try (RealtimeServer server =
            RealtimeServer.builder()
                .bind("127.0.0.1:0")
                .maxDatagramsPerRead(32)
                .listener(
                    new RealtimeServerListener() {
                      @Override
                      public void onMessage(int clientId, int channel, byte[] message) {
                        serverRef.server.send(clientId, channel, message);
                      }

                      @Override
                      public void onDisconnected(
                          int clientId, int code, String text, boolean byPeer) {
                        serverEnds.add(clientId + " " + code + " " + byPeer);
                        if (clientId == 2) {
                          silentTimedOutAt.set(System.nanoTime());
                        }
                      }
                    })
                .build()
                .start();
        IoThreads silentThreads = IoThreads.create(1, "gamewire-silent")) {
      serverRef.server = server;
      AtomicInteger echoes = new AtomicInteger();
      List<String> ends = new CopyOnWriteArrayList<>();
      RealtimeClient client =
          RealtimeClient.builder(server.localAddress())
              .listener(
                  new RealtimeClientListener() {
                    @Override
                    public void onMessage(int channel, byte[] message) {
                      echoes.incrementAndGet();
                    }

                    @Override
                    public void onDisconnected(int code, String text, boolean byPeer) {
                      ends.add(code + " " + text);
                    }
                  })
              .build()
              .connect();
      // Client 2 will fall silent (its I/O threads stop, no DISCONNECT): only the server's timer
      // can notice, and it must, flood or not.
      RealtimeClient silent =
          RealtimeClient.builder(server.localAddress()).ioThreads(silentThreads).build().connect();
      await().atMost(WAIT).until(() -> server.clientCount() == 2);
      for (int i = 0; i < 4; i++) {
        flooders.add(rawSocket());
      }
      InetSocketAddress to = server.localAddress();
      byte[] junk = new byte[100]; // not a realtime datagram: the cheapest drop there is
      Thread flood =
          new Thread(
              () -> {
                // About 10,000 datagrams a second, paced: the loop always has something to read.
                long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                try {
                  while (flooding.get() && System.nanoTime() < stopAt) {
                    for (int burst = 0; burst < 3; burst++) {
                      for (DatagramChannel ch : flooders) {
                        ch.send(ByteBuffer.wrap(junk), to);
                        floodSent.incrementAndGet();
                      }
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              "datagram-flood");
      flood.setDaemon(true);
      flood.start();
      try {
        await().atMost(WAIT).until(() -> server.counters().notRealtime() > 3_000);
        long silentFrom = System.nanoTime();
        silentThreads.close();
        // Under the flood the server's sends still go out: 6 s of one unreliable message every
        // 20 ms to the client, longer than the 5 s connection timeout, so keepalives and acks
        // had to flow too. (What the client sends competes with the flood in the server's
        // socket buffer, where the kernel may drop it: that direction is not the loop's to save.)
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        int sent = 0;
        while (System.nanoTime() < until) {
          if (server.send(1, 1, new byte[] {(byte) sent})) {
            sent++;
          }
          await().pollDelay(Duration.ofMillis(20)).atMost(WAIT).until(() -> true);
        }
        int total = sent;
        assertThat(total).isGreaterThan(200);
        await().atMost(WAIT).until(() -> echoes.get() >= total * 9 / 10);
        assertThat(ends).isEmpty();
        assertThat(client.isConnected()).isTrue();
        // The silent client timed out on the server's timer, about 5 s after it fell silent.
        await().atMost(WAIT).until(() -> silentTimedOutAt.get() != 0);
        long afterMillis = TimeUnit.NANOSECONDS.toMillis(silentTimedOutAt.get() - silentFrom);
        assertThat(serverEnds).containsExactly("2 2 false");
        assertThat(afterMillis).isBetween(4_000L, 9_000L);
        assertThat(server.clientCount()).isEqualTo(1);
        silent.close();
      } finally {
        flooding.set(false);
        flood.join(TimeUnit.SECONDS.toMillis(5));
        client.close();
      }
      long reads = server.datagramsRead();
      long batches = server.readBatches();
      System.out.printf(
          "inbound flood: %d sent, %d read in %d batches (%.1f per batch), counters %s%n",
          floodSent.get(), reads, batches, (double) reads / batches, server.counters());
      assertThat(batches).isPositive();
      assertThat((double) reads / batches).isLessThanOrEqualTo(32.0);
    } finally {
      closeAll(flooders);
    }
  }

  @Test
  void pendingWritesStayWithinTheBoundAndEverythingStillArrives() throws Exception {
    int clients = 16;
    int messages = 100;
    try (RealtimeServer server =
        RealtimeServer.builder()
            .bind("127.0.0.1:0")
            .maxPendingWriteBytes(16 * 1024)
            .build()
            .start()) {
      List<RealtimeClient> cs = new ArrayList<>();
      List<Queue<byte[]>> got = new ArrayList<>();
      try {
        for (int i = 0; i < clients; i++) {
          Queue<byte[]> q = new ConcurrentLinkedQueue<>();
          got.add(q);
          cs.add(
              RealtimeClient.builder(server.localAddress())
                  .listener(
                      new RealtimeClientListener() {
                        @Override
                        public void onMessage(int channel, byte[] message) {
                          q.add(message);
                        }
                      })
                  .build()
                  .connect());
        }
        await().atMost(WAIT).until(() -> server.clientCount() == clients);
        for (int m = 0; m < messages; m++) {
          byte[] msg = new byte[1000];
          ByteBuffer.wrap(msg).putInt(m);
          assertThat(server.broadcast(0, msg)).isTrue();
        }
        for (Queue<byte[]> q : got) {
          await().atMost(WAIT).until(() -> q.size() == messages);
          int expect = 0;
          for (byte[] e : q) {
            assertThat(ByteBuffer.wrap(e).getInt()).isEqualTo(expect++);
          }
        }
        // A pass that produced more than 16 KiB stopped at the bound and went on once the kernel
        // took the backlog.
        assertThat(server.outputStalls()).isPositive();
      } finally {
        for (RealtimeClient c : cs) {
          c.close();
        }
      }
    }
  }
}
