package io.gamewire.cli.bench;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackReader;
import io.gamewire.protocol.msgpack.MsgpackWriter;
import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.transport.Connection;
import io.gamewire.transport.IoThreads;
import io.gamewire.transport.PacketClient;
import io.gamewire.transport.PacketServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Gamewire's side of the TCP loopback benchmark: one {@link PacketServer} and one {@link
 * PacketClient} in this JVM on 127.0.0.1, each with one I/O thread of its own, and listeners on the
 * I/O threads.
 *
 * <p><b>Round trip.</b> The client's I/O thread drives the ping-pong: its {@code pong} handler
 * takes the time, records {@code now - sentAt} and sends the next {@code ping} from the same thread
 * (the write is flushed at the end of that read, one write call per ping). The server's {@code
 * ping} handler sends the body back on its I/O thread. So one recorded round trip is: encode and
 * flush on the client, loopback, decode and dispatch on the server, encode and flush there,
 * loopback, decode and dispatch on the client. No application thread is woken on the way; the first
 * ping of a run is the only one sent from the calling thread.
 *
 * <p><b>One way.</b> The calling thread sends with {@link PacketClient#send} in a loop, as an
 * application would. Each send is encoded on the calling thread into the connection's batch buffer;
 * the client's I/O thread takes the whole batch and writes it with one flush. When the socket's
 * write buffer is above its high water mark ({@link Connection#isWritable()} false) the sender
 * yields until it drains, as a well-behaved sender must. The server counts arrivals in its handler;
 * a run ends when the server has counted every message sent.
 *
 * <p>Not thread-safe: one thread calls {@link #start}, the runs and {@link #close}.
 */
public final class GamewireTcpBench implements AutoCloseable {

  /** A byte array as a MessagePack binary value. */
  static final PacketCodec<byte[]> BYTES =
      new PacketCodec<>() {
        @Override
        public void encode(byte[] body, MsgpackWriter out) {
          out.writeBinary(body);
        }

        @Override
        public byte[] decode(MsgpackReader in) throws MalformedMessageException {
          return in.readBinary();
        }

        @Override
        public Class<?> bodyType() {
          return byte[].class;
        }
      };

  private final PacketRegistry registry;
  private final PacketType<byte[]> ping;
  private final PacketType<byte[]> pong;
  private final PacketType<byte[]> data;
  private final ArrivalCounter arrivals = new ArrivalCounter();
  private volatile PingPongRun currentRun;
  private IoThreads serverThreads;
  private IoThreads clientThreads;
  private PacketServer server;
  private PacketClient client;
  private boolean closed;

  public GamewireTcpBench() {
    PacketRegistry.Builder packets = PacketRegistry.builder();
    ping = packets.register("bench:rtt.ping", BYTES);
    pong = packets.register("bench:rtt.pong", BYTES);
    data = packets.register("bench:oneway.data", BYTES);
    registry = packets.build();
  }

  /** Starts the server on an ephemeral loopback port and connects the client. */
  public void start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    serverThreads = IoThreads.create(1, "bench-gamewire-server");
    clientThreads = IoThreads.create(1, "bench-gamewire-client");
    server =
        PacketServer.builder(registry)
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .ioThreads(serverThreads)
            .listenersOnIoThread()
            .handle(ping, (conn, body) -> conn.send(pong, body))
            .handle(data, (conn, body) -> arrivals.arrive())
            .build()
            .start();
    client =
        PacketClient.builder(registry)
            .connect(server.localAddress())
            .ioThreads(clientThreads)
            .listenersOnIoThread()
            .handle(pong, this::onPong)
            .build()
            .connect();
  }

  /** Runs on the client's I/O thread. */
  private void onPong(Connection conn, byte[] body) {
    PingPongRun run = currentRun;
    if (run != null) {
      run.onPong(conn, body);
    }
  }

  /**
   * Ping-pong with {@code size}-byte payloads until {@code count} round trips are recorded in
   * {@code rttNanos} or the clock passes {@code deadlineNanos} ({@link System#nanoTime()} time),
   * whichever is first. Returns the number recorded. Waits at most until the deadline plus a
   * second.
   */
  public long pingPong(int size, long count, long deadlineNanos, Histogram rttNanos)
      throws IOException, InterruptedException, TimeoutException {
    requireStarted();
    if (count <= 0) {
      return 0;
    }
    PingPongRun run = new PingPongRun(ping, new byte[size], count, deadlineNanos, rttNanos);
    currentRun = run;
    try {
      run.sentAt = System.nanoTime();
      client.send(ping, run.payload);
      long waitNanos = Math.max(0, deadlineNanos - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1);
      if (!run.done.await(waitNanos, TimeUnit.NANOSECONDS)) {
        throw new TimeoutException(
            "ping-pong stalled after " + run.recorded + " round trips (no pong arrived)");
      }
      if (!client.isOpen()) {
        throw new IOException("the connection closed during the ping-pong");
      }
      return run.recorded;
    } finally {
      currentRun = null;
    }
  }

  /**
   * Sends {@code count} messages of {@code size} bytes from this thread and waits until the server
   * has received them all, or fails at {@code deadlineNanos}.
   */
  public void oneWay(int size, long count, long deadlineNanos)
      throws IOException, InterruptedException, TimeoutException {
    requireStarted();
    long target = arrivals.count() + count;
    sendOneWay(new byte[size], count, Long.MAX_VALUE, deadlineNanos);
    arrivals.awaitAtLeast(target, deadlineNanos, "one-way run");
  }

  /**
   * Sends {@code size}-byte messages from this thread until {@code sendUntilNanos}, then waits for
   * the server to receive all of them (at most until {@code deadlineNanos}). Returns the number
   * sent; the caller times the whole call.
   */
  public long oneWayFor(int size, long sendUntilNanos, long deadlineNanos)
      throws IOException, InterruptedException, TimeoutException {
    requireStarted();
    long before = arrivals.count();
    long sent = sendOneWay(new byte[size], Long.MAX_VALUE, sendUntilNanos, deadlineNanos);
    arrivals.awaitAtLeast(before + sent, deadlineNanos, "one-way run");
    return sent;
  }

  private long sendOneWay(byte[] payload, long count, long sendUntilNanos, long deadlineNanos)
      throws IOException, TimeoutException {
    Connection conn = client.connection();
    long sent = 0;
    while (sent < count) {
      // Check the clock and the write buffer once per small batch, not per message.
      if ((sent & 255) == 0) {
        long now = System.nanoTime();
        if (now >= sendUntilNanos) {
          break;
        }
        while (!conn.isWritable()) {
          if (!conn.isOpen()) {
            throw new IOException("the connection closed after " + sent + " messages");
          }
          if (System.nanoTime() >= deadlineNanos) {
            throw new TimeoutException("the write buffer did not drain in time");
          }
          Thread.yield();
        }
      }
      if (!conn.send(data, payload)) {
        throw new IOException("the connection closed after " + sent + " messages");
      }
      sent++;
    }
    return sent;
  }

  /** Messages the server has counted so far. */
  public long received() {
    return arrivals.count();
  }

  private void requireStarted() {
    if (client == null || closed) {
      throw new IllegalStateException("start the bench first");
    }
  }

  /** Closes client, server and their I/O threads. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    if (clientThreads != null) {
      clientThreads.close();
    }
    if (serverThreads != null) {
      serverThreads.close();
    }
  }

  /** One ping-pong run; its mutable fields are touched only by the client's I/O thread. */
  private static final class PingPongRun {
    final PacketType<byte[]> ping;
    final byte[] payload;
    final long count;
    final long deadlineNanos;
    final Histogram rtt;
    final CountDownLatch done = new CountDownLatch(1);
    long sentAt;
    long recorded;

    PingPongRun(
        PacketType<byte[]> ping, byte[] payload, long count, long deadlineNanos, Histogram rtt) {
      this.ping = ping;
      this.payload = payload;
      this.count = count;
      this.deadlineNanos = deadlineNanos;
      this.rtt = rtt;
    }

    void onPong(Connection conn, byte[] body) {
      long now = System.nanoTime();
      rtt.recordValue(now - sentAt);
      recorded++;
      if (recorded >= count || now - deadlineNanos >= 0) {
        done.countDown();
        return;
      }
      sentAt = System.nanoTime();
      conn.send(ping, payload);
    }
  }

  /** Arrivals counted on the server's I/O thread; one waiting thread parks until a target. */
  private static final class ArrivalCounter {
    private final AtomicLong count = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;

    void arrive() {
      if (count.incrementAndGet() >= target) {
        Thread w = waiter;
        if (w != null) {
          LockSupport.unpark(w);
        }
      }
    }

    long count() {
      return count.get();
    }

    void awaitAtLeast(long atLeast, long deadlineNanos, String what)
        throws InterruptedException, TimeoutException {
      waiter = Thread.currentThread();
      target = atLeast;
      try {
        long seen;
        while ((seen = count.get()) < atLeast) {
          long left = deadlineNanos - System.nanoTime();
          if (left <= 0) {
            throw new TimeoutException(
                what + " timed out: " + seen + " of " + atLeast + " messages arrived");
          }
          LockSupport.parkNanos(this, left);
          if (Thread.interrupted()) {
            throw new InterruptedException(what + " interrupted");
          }
        }
      } finally {
        target = Long.MAX_VALUE;
        waiter = null;
      }
    }
  }
}
