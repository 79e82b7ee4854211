package io.gamewire.bench.tcp;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * The floor: blocking {@link SocketChannel}s with TCP_NODELAY, one server thread, no framework.
 *
 * <p>Frame layout: a 4-byte big-endian header, then the payload. The header's low 31 bits are the
 * payload length; bit 31 set means "no reply wanted" (one-way), clear means "echo this frame". The
 * server checks the length against {@link TcpPeer#MAX_PAYLOAD_BYTES} before using it.
 *
 * <p>Ping-pong: the client writes one frame and blocks reading the echo; one write and usually one
 * read system call per side per round trip.
 *
 * <p>One-way: the client packs frames into an 8 KiB buffer (the size of a default {@code
 * BufferedOutputStream}) and writes the buffer whenever the next frame does not fit, then once at
 * the end; so one write system call carries about 8192 / (4 + size) frames. The server reads into a
 * 64 KiB buffer, walks the frames in it and counts them; the client waits until the count is
 * reached.
 *
 * <p>Blocking channel reads have no timeout of their own, so each phase arms a watchdog that closes
 * both sockets when the phase's deadline passes; the blocked call then fails and the phase throws
 * {@link TimeoutException}.
 */
public final class RawSocketPeer implements TcpPeer {
  private static final int HEADER_BYTES = 4;
  private static final int NO_REPLY_FLAG = 0x8000_0000;
  private static final int BATCH_BYTES = 8 * 1024;
  private static final int SERVER_READ_BYTES =
      Math.max(64 * 1024, HEADER_BYTES + MAX_PAYLOAD_BYTES);
  private static final long JOIN_MILLIS = 5_000;

  private final Duration timeout;
  private final Arrivals sunk = new Arrivals();
  private final CountDownLatch accepted = new CountDownLatch(1);

  private ServerSocketChannel listener;
  private volatile SocketChannel serverSide;
  private SocketChannel client;
  private Thread serverThread;
  private ScheduledExecutorService watchdog;
  private volatile boolean timedOut;
  private volatile boolean closed;

  /**
   * @param timeout the longest any one phase (start, ping-pong, one-way) may take
   */
  public RawSocketPeer(Duration timeout) {
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return "raw-nio";
  }

  @Override
  public void start() throws Exception {
    if (listener != null) {
      throw new IllegalStateException("start() was already called");
    }
    watchdog =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "raw-nio-watchdog");
              t.setDaemon(true);
              return t;
            });
    listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
    serverThread = new Thread(this::serve, "raw-nio-server");
    serverThread.setDaemon(true);
    serverThread.start();

    ScheduledFuture<?> alarm = armWatchdog();
    try {
      client = SocketChannel.open(listener.getLocalAddress());
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
      if (!accepted.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException("raw-nio server did not accept within " + timeout);
      }
      if (serverSide == null) {
        throw new IOException("raw-nio server failed to accept the client");
      }
    } finally {
      alarm.cancel(false);
    }
  }

  @Override
  public void pingPong(int size, int warmup, int count, Histogram rttNanos) throws Exception {
    TcpPeer.checkPayloadSize(size);
    ByteBuffer request = ByteBuffer.allocateDirect(HEADER_BYTES + size);
    request.putInt(size);
    fillPayload(request, size);
    request.flip();
    ByteBuffer reply = ByteBuffer.allocateDirect(HEADER_BYTES + size);

    ScheduledFuture<?> alarm = armWatchdog();
    try {
      int total = warmup + count;
      for (int i = 0; i < total; i++) {
        request.rewind();
        reply.clear();
        long sentAt = System.nanoTime();
        writeFully(client, request);
        readFully(client, reply);
        long rtt = System.nanoTime() - sentAt;
        if (i >= warmup) {
          rttNanos.recordValue(rtt);
        }
        if (reply.getInt(0) != size) {
          throw new IOException("echo header " + reply.getInt(0) + " does not match size " + size);
        }
      }
    } catch (IOException e) {
      throw phaseFailure("ping-pong", e);
    } finally {
      alarm.cancel(false);
    }
  }

  @Override
  public void oneWay(int size, int count) throws Exception {
    TcpPeer.checkPayloadSize(size);
    ByteBuffer payload = ByteBuffer.allocate(size);
    fillPayload(payload, size);
    payload.flip();
    ByteBuffer batch = ByteBuffer.allocateDirect(Math.max(BATCH_BYTES, HEADER_BYTES + size));
    long target = sunk.count() + count;

    ScheduledFuture<?> alarm = armWatchdog();
    try {
      for (int i = 0; i < count; i++) {
        if (batch.remaining() < HEADER_BYTES + size) {
          batch.flip();
          writeFully(client, batch);
          batch.clear();
        }
        batch.putInt(size | NO_REPLY_FLAG);
        batch.put(payload.rewind());
      }
      batch.flip();
      writeFully(client, batch);
      sunk.awaitAtLeast(target, timeout.toNanos(), "raw-nio one-way");
    } catch (IOException e) {
      throw phaseFailure("one-way", e);
    } finally {
      alarm.cancel(false);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    closeQuietly(client);
    closeQuietly(serverSide);
    closeQuietly(listener);
    try {
      if (serverThread != null) {
        serverThread.join(JOIN_MILLIS);
        if (serverThread.isAlive()) {
          throw new IOException("raw-nio server thread did not stop within " + JOIN_MILLIS + " ms");
        }
      }
      if (watchdog != null) {
        watchdog.shutdownNow();
        if (!watchdog.awaitTermination(JOIN_MILLIS, TimeUnit.MILLISECONDS)) {
          throw new IOException("raw-nio watchdog did not stop within " + JOIN_MILLIS + " ms");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing raw-nio", e);
    }
  }

  /** Server thread: accept one client, then echo or count frames until the socket closes. */
  private void serve() {
    try (SocketChannel channel = listener.accept()) {
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      serverSide = channel;
      accepted.countDown();
      if (closed) {
        return;
      }
      ByteBuffer in = ByteBuffer.allocateDirect(SERVER_READ_BYTES);
      ByteBuffer out = ByteBuffer.allocateDirect(HEADER_BYTES + MAX_PAYLOAD_BYTES);
      while (channel.read(in) >= 0) {
        in.flip();
        long oneWayFrames = 0;
        while (in.remaining() >= HEADER_BYTES) {
          int header = in.getInt(in.position());
          int length = header & ~NO_REPLY_FLAG;
          if (length > MAX_PAYLOAD_BYTES) {
            throw new IOException("frame length " + length + " exceeds " + MAX_PAYLOAD_BYTES);
          }
          int frameEnd = in.position() + HEADER_BYTES + length;
          if (frameEnd > in.limit()) {
            break;
          }
          if ((header & NO_REPLY_FLAG) != 0) {
            oneWayFrames++;
            in.position(frameEnd);
          } else {
            int limit = in.limit();
            in.limit(frameEnd);
            out.clear();
            out.put(in);
            in.limit(limit);
            out.flip();
            writeFully(channel, out);
          }
        }
        if (oneWayFrames > 0) {
          sunk.add(oneWayFrames);
        }
        in.compact();
      }
      sunk.fail(new EOFException("client closed the connection"));
    } catch (IOException | RuntimeException e) {
      // A close from close() or the watchdog lands here too; the client side reports the cause.
      sunk.fail(e);
    } finally {
      accepted.countDown();
    }
  }

  private ScheduledFuture<?> armWatchdog() {
    return watchdog.schedule(
        () -> {
          timedOut = true;
          closeQuietly(client);
          closeQuietly(serverSide);
          closeQuietly(listener);
        },
        timeout.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /** A phase's I/O failure, reported as a timeout when the watchdog caused it. */
  private Exception phaseFailure(String phase, IOException e) {
    if (timedOut) {
      TimeoutException timeoutException =
          new TimeoutException("raw-nio " + phase + " did not finish within " + timeout);
      timeoutException.initCause(e);
      return timeoutException;
    }
    return e;
  }

  private static void fillPayload(ByteBuffer buffer, int size) {
    for (int i = 0; i < size; i++) {
      buffer.put((byte) i);
    }
  }

  private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new EOFException("server closed the connection");
      }
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Closing is best effort; the thread joins in close() report anything left running.
    }
  }
}
