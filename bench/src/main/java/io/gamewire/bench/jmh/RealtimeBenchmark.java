package io.gamewire.bench.jmh;

import io.gamewire.protocol.realtime.AckWindow;
import io.gamewire.protocol.realtime.CongestionConfig;
import io.gamewire.protocol.realtime.ConnectFailure;
import io.gamewire.protocol.realtime.DeliveryMode;
import io.gamewire.protocol.realtime.PacketKind;
import io.gamewire.protocol.realtime.RealtimeClientEndpoint;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeHeader;
import io.gamewire.protocol.realtime.RealtimeServerEndpoint;
import io.gamewire.protocol.realtime.SentPackets;
import io.gamewire.protocol.realtime.Sequence;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The realtime protocol's hot paths, sans I/O, in steady state. Run with {@code -prof gc}; the
 * target is 0 B/op.
 *
 * <ul>
 *   <li>{@code headerEncode}: one 17-byte header written into a reused pooled buffer.
 *   <li>{@code headerDecode}: the receive path's header reads (protocol id, kind, flags, sequence,
 *       ack, bits, token) from a datagram.
 *   <li>{@code ackProcessing}: one packet of a stream through the ack machinery of both ends: the
 *       sender records it in {@link SentPackets}, the receiver records its sequence in an {@link
 *       AckWindow} (5% of packets lost on the way), and the receiver's (ack, bitfield) is applied
 *       to the sender's {@link SentPackets}, which reports acked packets to a sink.
 *   <li>{@code sendReceiveCycle}: one message from a connected {@link RealtimeClientEndpoint}
 *       through a datagram into a {@link RealtimeServerEndpoint} and delivered there, one per game
 *       tick (a fake clock advances 25 ms per message, PyGaSe's 40 Hz); the server's reply
 *       datagrams (its acks) go back to the client, and every timer fires when due. Datagrams are
 *       pooled buffers, released after handling, as the transport does.
 *   <li>{@code echoCycle}: the same at 10,000 messages a second (100 µs per message), with the
 *       server echoing every message back, so both directions carry data and piggybacked acks.
 *       (Without traffic back the server acknowledges only once per send interval, 25 ms, and its
 *       32-bit ack field cannot cover the 250 packets the client sent meanwhile: the client counts
 *       them lost and its congestion controller throttles.)
 * </ul>
 *
 * <p>Run the threads as Netty {@code FastThreadLocalThread}s (see {@link EventLoopLikeExecutor}):
 * Netty recycles pooled buffer objects only on those, as on the transport's event loops.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RealtimeBenchmark {
  private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 7777);
  private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 50_001);

  /** One game tick at PyGaSe's 40 Hz: the one-way cycle's clock step. */
  private static final long TICK_NANOS = 25_000_000;

  /** The echo cycle's clock step: 10,000 round trips a second. */
  private static final long ECHO_STEP_NANOS = 100_000;

  /** Delivery mode of the channel {@code sendReceiveCycle} uses. */
  @Param({"RELIABLE_ORDERED", "UNRELIABLE"})
  String mode;

  @Param({"32"})
  int messageBytes;

  private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

  // header
  private ByteBuf headerOut;
  private ByteBuf headerIn;
  private int seq = 1;

  // acks
  private SentPackets sentPackets;
  private AckWindow received;
  private long[] lossPattern;
  private int ackSeq;
  private int ackIndex;
  private final AckCounter ackCounter = new AckCounter();

  // endpoints
  private RealtimeClientEndpoint client;
  private RealtimeServerEndpoint server;
  private final Counting serverEvents = new Counting();
  private final ClientEvents clientEvents = new ClientEvents();
  private ByteBuf message;
  private long now;

  /** Counts what the sender's ledger reports. */
  static final class AckCounter implements SentPackets.Sink {
    long acked;
    long lost;

    @Override
    public void acked(int seq, long sentAtNanos) {
      acked++;
    }

    @Override
    public void lost(int seq, long sentAtNanos) {
      lost++;
    }
  }

  /** Counts the server's messages. */
  static final class Counting implements RealtimeServerEndpoint.Listener {
    long messages;
    int connectionId;
    boolean echo;
    boolean closing;
    RealtimeServerEndpoint server;

    @Override
    public void onConnected(int connectionId, InetSocketAddress address) {
      this.connectionId = connectionId;
    }

    @Override
    public void onMessage(int connectionId, int channel, ByteBuf message) {
      messages++;
      if (echo && !server.send(connectionId, channel, message, null)) {
        throw new IllegalStateException("the server refused an echo: the benchmark fell behind");
      }
    }

    @Override
    public void onDisconnected(int connectionId, int reasonCode, String text, boolean byPeer) {
      if (!closing) {
        throw new IllegalStateException("disconnected during the benchmark: " + text);
      }
    }
  }

  static final class ClientEvents implements RealtimeClientEndpoint.Listener {
    boolean connected;
    boolean closing;
    long messages;

    @Override
    public void onConnected() {
      connected = true;
    }

    @Override
    public void onConnectFailed(ConnectFailure failure) {
      throw new IllegalStateException("connect failed: " + failure);
    }

    @Override
    public void onMessage(int channel, ByteBuf message) {
      messages++;
    }

    @Override
    public void onDisconnected(int reasonCode, String text, boolean byPeer) {
      if (!closing) {
        throw new IllegalStateException("disconnected during the benchmark: " + text);
      }
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    headerOut = alloc.directBuffer(64);
    headerIn = alloc.directBuffer(64);
    RealtimeHeader.write(headerIn, 4711, 4700, 0xfff0_ffff, PacketKind.PAYLOAD, 0, 0x1234_5678);

    sentPackets = new SentPackets(1024);
    received = new AckWindow();
    SplittableRandom r = new SplittableRandom(42);
    lossPattern = new long[64]; // 4096 bits: 1 = lost
    for (int i = 0; i < 4096; i++) {
      if (r.nextDouble() < 0.05) {
        lossPattern[i >>> 6] |= 1L << (i & 63);
      }
    }
    ackSeq = 0;

    // The budget starts where a loopback connection ends up, so the steady state is not a slow
    // start; the controller still runs (and charges every datagram).
    RealtimeConfig config =
        RealtimeConfig.builder()
            .channels(Map.of(0, DeliveryMode.valueOf(mode)))
            .congestion(
                CongestionConfig.builder()
                    .budgetBytesPerSecond(16 * 1024, 50_000_000L, 100_000_000L)
                    .build())
            .build();
    client =
        new RealtimeClientEndpoint(config, SERVER, new SplittableRandom(1), alloc, clientEvents);
    server =
        new RealtimeServerEndpoint(
            config,
            4,
            "0123456789abcdef-bench-key".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            new SplittableRandom(2),
            alloc,
            serverEvents);
    serverEvents.server = server;
    message = alloc.directBuffer(messageBytes).writeZero(messageBytes);
    now = 1_000_000_000L;
    client.connect(now);
    for (int i = 0; i < 100 && !clientEvents.connected; i++) {
      exchange();
      now += ECHO_STEP_NANOS;
    }
    if (!clientEvents.connected) {
      throw new IllegalStateException("the endpoints did not connect");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    clientEvents.closing = true;
    serverEvents.closing = true;
    client.close();
    server.close();
    headerOut.release();
    headerIn.release();
    message.release();
  }

  @Benchmark
  public int headerEncode() {
    headerOut.clear();
    seq = Sequence.next(seq);
    RealtimeHeader.write(headerOut, seq, seq - 1, 0xffff_ffff, PacketKind.PAYLOAD, 0, 0x1234_5678);
    return headerOut.writerIndex();
  }

  @Benchmark
  public void headerDecode(Blackhole bh) {
    ByteBuf d = headerIn;
    if (RealtimeHeader.isRealtime(d)) {
      bh.consume(RealtimeHeader.kind(d));
      bh.consume(RealtimeHeader.flags(d));
      bh.consume(RealtimeHeader.sequence(d));
      bh.consume(RealtimeHeader.ack(d));
      bh.consume(RealtimeHeader.ackBits(d));
      bh.consume(RealtimeHeader.token(d));
    }
  }

  @Benchmark
  public int ackProcessing() {
    int s = ackSeq = Sequence.next(ackSeq);
    sentPackets.sent(s, s, ackCounter);
    int i = ackIndex++ & 4095;
    if ((lossPattern[i >>> 6] & (1L << (i & 63))) == 0) {
      received.record(s);
    }
    return sentPackets.onAck(received.ack(), received.bitfield(), ackCounter);
  }

  @Benchmark
  public long sendReceiveCycle() {
    serverEvents.echo = false;
    if (!client.send(0, message, null)) {
      throw new IllegalStateException("the client refused a message: the benchmark fell behind");
    }
    exchange();
    now += TICK_NANOS;
    return serverEvents.messages;
  }

  @Benchmark
  public long echoCycle() {
    serverEvents.echo = true;
    if (!client.send(0, message, null)) {
      throw new IllegalStateException("the client refused a message: the benchmark fell behind");
    }
    exchange();
    now += ECHO_STEP_NANOS;
    return clientEvents.messages;
  }

  /** Fires due timers and moves every datagram each way once. */
  private void exchange() {
    if (client.nextTimeoutNanos() <= now) {
      client.handleTimeout(now);
    }
    if (server.nextTimeoutNanos() <= now) {
      server.handleTimeout(now);
    }
    ByteBuf d;
    while ((d = client.pollDatagram(now)) != null) {
      try {
        server.handleDatagram(now, CLIENT, d);
      } finally {
        d.release();
      }
    }
    ByteBuf o;
    while ((o = server.poll(now)) != null) {
      try {
        client.handleDatagram(now, SERVER, o);
      } finally {
        o.release();
      }
    }
  }
}
