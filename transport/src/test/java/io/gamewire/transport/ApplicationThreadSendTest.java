package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.packet.ConnectionMode;
import io.gamewire.protocol.packet.InvalidAction;
import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketGuard;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Sends from application threads: encoded on the caller's thread into the connection's batch when
 * the connection allows them, handed to the I/O thread when it must decide. Either way each
 * thread's packets arrive in its call order.
 */
class ApplicationThreadSendTest {
  record Seq(long thread, long n) {}

  private static final PacketRegistry REGISTRY;
  private static final PacketType<Seq> SEQ;
  private static final PacketType<Seq> IN_NOTSET_MODE;
  private static final PacketType<byte[]> BLOB;
  private static final PacketType<Seq> TICK;

  static {
    PacketRegistry.Builder b = PacketRegistry.builder();
    SEQ = b.register("test:seq", PacketCodec.record(Seq.class));
    // Sendable only while the sender's mode is NOTSET (the server's mode stays NOTSET); ignored
    // otherwise. A send refused by the caller-side check goes to the I/O thread to decide.
    IN_NOTSET_MODE =
        b.register(
            "test:notset",
            PacketCodec.record(Seq.class),
            PacketGuard.DEFAULT
                .withMode(ConnectionMode.NOTSET)
                .withOnViolation(InvalidAction.IGNORE));
    BLOB = b.register("test:blob", bytesCodec());
    TICK = b.register("test:tick", PacketCodec.record(Seq.class));
    REGISTRY = b.build();
  }

  /**
   * Four application threads send numbered packets; one of them keeps switching the connection's
   * mode, so a guarded packet goes to the I/O thread and holds the others' sends behind it for a
   * while. The server answers every 64th packet with a tick, and the client's tick handler sends
   * from the I/O thread itself, which drains what application threads sent ahead of any task.
   */
  @Test
  void packetsFromManyThreadsArriveInEachThreadsCallOrder() throws Exception {
    int threads = 4;
    int perThread = 20_000;
    long ioThreadStream = 100;
    AtomicLong ticks = new AtomicLong();
    ConcurrentHashMap<Long, Long> last = new ConcurrentHashMap<>();
    List<String> outOfOrder = new CopyOnWriteArrayList<>();
    AtomicLong received = new AtomicLong();
    AtomicLong notsetReceived = new AtomicLong();
    try (PacketServer server =
            PacketServer.builder(REGISTRY)
                .bind("127.0.0.1:0")
                .ioThreadCount(1)
                .listenersOnIoThread()
                .handle(
                    SEQ,
                    (c, s) -> {
                      Long before = last.put(s.thread(), s.n());
                      if (before != null && before + 1 != s.n()) {
                        outOfOrder.add("thread " + s.thread() + ": " + before + " then " + s.n());
                      }
                      if (s.thread() != ioThreadStream) {
                        received.incrementAndGet();
                        if (s.n() % 64 == 0) {
                          c.send(TICK, s);
                        }
                      }
                    })
                .handle(IN_NOTSET_MODE, (c, s) -> notsetReceived.incrementAndGet())
                .build()
                .start();
        PacketClient client =
            PacketClient.builder(REGISTRY)
                .connect(Addresses.format(server.localAddress()))
                .listenersOnIoThread()
                .handle(
                    TICK, (c, s) -> c.send(SEQ, new Seq(ioThreadStream, ticks.getAndIncrement())))
                .build()
                .connect()) {
      List<Thread> senders = new ArrayList<>();
      AtomicLong notsetSent = new AtomicLong();
      for (int t = 0; t < threads; t++) {
        long id = t;
        senders.add(
            new Thread(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    while (!client.connection().isWritable()) {
                      Thread.yield();
                    }
                    client.send(SEQ, new Seq(id, i));
                    if (id == 0) {
                      // Switch modes now and then: the guarded packet then takes the I/O thread's
                      // path (and is ignored there) or the caller's path, with SEQ packets around
                      // it, and every other thread's sends queue behind it while it waits.
                      if (i % 500 == 0) {
                        client
                            .connection()
                            .setMode(
                                (i / 500) % 2 == 0 ? ConnectionMode.NOTSET : ConnectionMode.PLAY);
                      }
                      if (i % 4 == 0) {
                        client.send(IN_NOTSET_MODE, new Seq(id, i));
                        if ((i / 500) % 2 == 0) {
                          notsetSent.incrementAndGet();
                        }
                      }
                    }
                  }
                },
                "sender-" + t));
      }
      senders.forEach(Thread::start);
      for (Thread s : senders) {
        s.join(Duration.ofSeconds(60).toMillis());
        assertThat(s.isAlive()).as(s.getName() + " finished").isFalse();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == threads * perThread);
      assertThat(outOfOrder).isEmpty();
      long expectedTicks = (long) threads * ((perThread + 63) / 64);
      await().atMost(Duration.ofSeconds(10)).until(() -> ticks.get() == expectedTicks);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> last.getOrDefault(ioThreadStream, -1L) == expectedTicks - 1);
      assertThat(outOfOrder).isEmpty();
      for (long t = 0; t < threads; t++) {
        assertThat(last.get(t)).as("last of thread " + t).isEqualTo(perThread - 1);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> notsetReceived.get() == notsetSent.get());
      assertThat(client.isOpen()).isTrue();
      assertThat(client.traffic().packetsOut())
          .as("hello answer, handshake answer and every packet sent")
          .isGreaterThanOrEqualTo(threads * perThread + notsetSent.get());
    }
  }

  @Test
  void aFrameOverTheMaximumFailsOnTheSendersThreadAndTheConnectionGoesOn() throws Exception {
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    try (PacketServer server =
            PacketServer.builder(REGISTRY)
                .bind("127.0.0.1:0")
                .handle(BLOB, (c, b) -> sizes.add(b.length))
                .build()
                .start();
        PacketClient client =
            PacketClient.builder(REGISTRY)
                .connect(Addresses.format(server.localAddress()))
                .build()
                .connect()) {
      byte[] incompressible = new byte[2 << 20];
      new java.util.Random(42).nextBytes(incompressible);
      assertThatThrownBy(() -> client.send(BLOB, incompressible))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("over the maximum");
      client.send(BLOB, new byte[100]);
      await().atMost(Duration.ofSeconds(5)).until(() -> sizes.size() == 1);
      assertThat(sizes).containsExactly(100);
      assertThat(client.isOpen()).isTrue();
    }
  }

  private static PacketCodec<byte[]> bytesCodec() {
    return new PacketCodec<>() {
      @Override
      public void encode(byte[] body, io.gamewire.protocol.msgpack.MsgpackWriter out) {
        out.writeBinary(body);
      }

      @Override
      public byte[] decode(io.gamewire.protocol.msgpack.MsgpackReader in)
          throws io.gamewire.protocol.msgpack.MalformedMessageException {
        return in.readBinary();
      }

      @Override
      public Class<?> bodyType() {
        return byte[].class;
      }
    };
  }
}
