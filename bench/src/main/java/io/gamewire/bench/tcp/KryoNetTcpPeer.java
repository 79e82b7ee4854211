package io.gamewire.bench.tcp;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryonet.Client;
import com.esotericsoftware.kryonet.Connection;
import com.esotericsoftware.kryonet.Listener;
import com.esotericsoftware.kryonet.Server;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * KryoNet 2.22.0-RC1 (Kryo 2) over TCP, used the way its README shows: a {@link Server} and a
 * {@link Client} each on its own update thread, messages as registered classes, one {@code sendTCP}
 * per message, replies sent from {@link Listener#received}. KryoNet sets TCP_NODELAY on both
 * sockets itself.
 *
 * <p>Messages are {@link Ping} (the server echoes it) and {@link Push} (the server counts it), each
 * holding a {@code byte[]}. The client reuses one message object for all sends; the receiving side
 * gets a freshly deserialized object per message, as every KryoNet user does.
 *
 * <p>Buffer sizes are KryoNet's defaults (client write buffer 8 KiB, server write buffer 16 KiB,
 * object buffer 2 KiB), enlarged only when the payload needs it. KryoNet fails a {@code sendTCP}
 * that does not fit its write buffer, so the one-way sender first waits (yielding) until the buffer
 * has room for one more message: the same back-pressure a KryoNet user must add, polling {@link
 * Connection#getTcpWriteBufferSize()}.
 *
 * <p>The ping-pong client thread waits for the echo, which arrives on the client's update thread,
 * through {@link Arrivals}: a park and an unpark per round trip, part of what a KryoNet user pays.
 */
public final class KryoNetTcpPeer implements TcpPeer {
  private static final int DEFAULT_CLIENT_WRITE_BUFFER_BYTES = 8 * 1024;
  private static final int DEFAULT_SERVER_WRITE_BUFFER_BYTES = 16 * 1024;
  private static final int DEFAULT_OBJECT_BUFFER_BYTES = 2 * 1024;

  /** Room for the class id, the array length and the length prefix around the payload. */
  private static final int MESSAGE_OVERHEAD_BYTES = 32;

  /** The one-way sender reads the clock once per this many + 1 messages. */
  private static final int DEADLINE_CHECK_MASK = 255;

  private static final long JOIN_MILLIS = 5_000;

  /** Sent by the client, echoed by the server. Public with a no-arg constructor for Kryo. */
  public static final class Ping {
    public byte[] payload;

    public Ping() {}
  }

  /** Sent by the client, counted by the server. Public with a no-arg constructor for Kryo. */
  public static final class Push {
    public byte[] payload;

    public Push() {}
  }

  private final Duration timeout;
  private final int objectBufferBytes;
  private final int clientWriteBufferBytes;
  private final int serverWriteBufferBytes;
  private final Arrivals echoes = new Arrivals();
  private final Arrivals pushes = new Arrivals();

  private Server server;
  private Client client;
  private Thread serverThread;
  private Thread clientThread;
  private volatile boolean closing;
  private boolean closed;

  /**
   * @param timeout the longest any one phase (start, ping-pong, one-way) may take
   */
  public KryoNetTcpPeer(Duration timeout) {
    this(timeout, DEFAULT_OBJECT_BUFFER_BYTES - MESSAGE_OVERHEAD_BYTES);
  }

  /**
   * @param timeout the longest any one phase may take
   * @param maxPayloadBytes the largest payload this peer will be asked to carry; sizes the buffers
   */
  public KryoNetTcpPeer(Duration timeout, int maxPayloadBytes) {
    TcpPeer.checkPayloadSize(maxPayloadBytes);
    this.timeout = timeout;
    this.objectBufferBytes =
        Math.max(DEFAULT_OBJECT_BUFFER_BYTES, maxPayloadBytes + MESSAGE_OVERHEAD_BYTES);
    this.clientWriteBufferBytes =
        Math.max(DEFAULT_CLIENT_WRITE_BUFFER_BYTES, 2 * objectBufferBytes);
    this.serverWriteBufferBytes =
        Math.max(DEFAULT_SERVER_WRITE_BUFFER_BYTES, 2 * objectBufferBytes);
  }

  @Override
  public String name() {
    return "kryonet";
  }

  @Override
  public void start() throws Exception {
    if (server != null) {
      throw new IllegalStateException("start() was already called");
    }
    server = new Server(serverWriteBufferBytes, objectBufferBytes);
    register(server.getKryo());
    server.addListener(
        new Listener() {
          @Override
          public void received(Connection connection, Object message) {
            if (message instanceof Ping) {
              connection.sendTCP(message);
            } else if (message instanceof Push) {
              pushes.arrive();
            }
          }

          @Override
          public void disconnected(Connection connection) {
            if (!closing) {
              pushes.fail(new IOException("kryonet server saw the client disconnect"));
            }
          }
        });
    server.bind(new InetSocketAddress("127.0.0.1", 0), null);
    int port = boundPort(server);
    // Same as server.start(), but keeps the thread so close() can join it.
    serverThread = new Thread(server, "kryonet-server");
    serverThread.setDaemon(true);
    serverThread.start();

    client = new Client(clientWriteBufferBytes, objectBufferBytes);
    register(client.getKryo());
    client.addListener(
        new Listener() {
          @Override
          public void received(Connection connection, Object message) {
            if (message instanceof Ping) {
              echoes.arrive();
            }
          }

          @Override
          public void disconnected(Connection connection) {
            if (!closing) {
              echoes.fail(new IOException("kryonet client was disconnected"));
            }
          }
        });
    client.start();
    clientThread = client.getUpdateThread();
    client.connect(timeoutMillis(), "127.0.0.1", port);
  }

  @Override
  public void pingPong(int size, int warmup, int count, Histogram rttNanos) throws Exception {
    checkSize(size);
    Ping ping = new Ping();
    ping.payload = payload(size);
    long deadline = System.nanoTime() + timeout.toNanos();
    long expected = echoes.count();
    int total = warmup + count;
    for (int i = 0; i < total; i++) {
      long sentAt = System.nanoTime();
      if (sentAt - deadline > 0) {
        throw new TimeoutException(
            "kryonet ping-pong did not finish within " + timeout + "; " + i + " round trips done");
      }
      send(ping);
      expected++;
      echoes.awaitAtLeast(expected, deadline - sentAt, "kryonet ping-pong");
      long rtt = System.nanoTime() - sentAt;
      if (i >= warmup) {
        rttNanos.recordValue(rtt);
      }
    }
  }

  @Override
  public void oneWay(int size, int count) throws Exception {
    checkSize(size);
    Push push = new Push();
    push.payload = payload(size);
    long deadline = System.nanoTime() + timeout.toNanos();
    long target = pushes.count() + count;
    int maxQueuedBytes = clientWriteBufferBytes - objectBufferBytes;
    for (int i = 0; i < count; i++) {
      if ((i & DEADLINE_CHECK_MASK) == 0) {
        checkDeadline(deadline, "one-way", i);
      }
      while (client.getTcpWriteBufferSize() > maxQueuedBytes) {
        checkDeadline(deadline, "one-way", i);
        Thread.yield();
      }
      send(push);
    }
    pushes.awaitAtLeast(target, deadline - System.nanoTime(), "kryonet one-way");
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    if (client != null) {
      client.stop();
    }
    if (server != null) {
      server.stop();
    }
    try {
      join(clientThread);
      join(serverThread);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing kryonet", e);
    }
    if (client != null) {
      client.dispose();
    }
    if (server != null) {
      server.dispose();
    }
  }

  private void checkDeadline(long deadline, String phase, int sent) throws TimeoutException {
    if (System.nanoTime() - deadline > 0) {
      throw new TimeoutException(
          "kryonet "
              + phase
              + " did not finish within "
              + timeout
              + "; "
              + sent
              + " messages sent");
    }
  }

  private void send(Object message) throws IOException {
    if (client.sendTCP(message) == 0) {
      throw new IOException("kryonet closed the connection while sending");
    }
  }

  private void checkSize(int size) {
    TcpPeer.checkPayloadSize(size);
    if (size + MESSAGE_OVERHEAD_BYTES > objectBufferBytes) {
      throw new IllegalArgumentException(
          "payload size "
              + size
              + " does not fit this peer's "
              + objectBufferBytes
              + "-byte object buffer; build it with maxPayloadBytes >= "
              + size);
    }
  }

  private int timeoutMillis() {
    return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  private static void register(Kryo kryo) {
    // Both ends must register the same classes in the same order.
    kryo.register(byte[].class);
    kryo.register(Ping.class);
    kryo.register(Push.class);
  }

  private static byte[] payload(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }

  private static int boundPort(Server server) throws IOException {
    // KryoNet 2.22 has no accessor for the bound port; the only way in is its server channel.
    try {
      var field = Server.class.getDeclaredField("serverChannel");
      field.setAccessible(true);
      var channel = (java.nio.channels.ServerSocketChannel) field.get(server);
      return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    } catch (ReflectiveOperationException e) {
      throw new IOException("cannot read the port KryoNet bound to", e);
    }
  }

  private static void join(Thread thread) throws InterruptedException, IOException {
    if (thread == null) {
      return;
    }
    thread.join(JOIN_MILLIS);
    if (thread.isAlive()) {
      throw new IOException(
          "kryonet thread " + thread.getName() + " did not stop within " + JOIN_MILLIS + " ms");
    }
  }
}
