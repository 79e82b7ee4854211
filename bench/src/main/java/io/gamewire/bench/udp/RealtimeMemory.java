package io.gamewire.bench.udp;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.gamewire.bench.tcp.JsonWriter;
import io.gamewire.bench.tcp.MemoryUsage;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.transport.IoThreads;
import io.gamewire.transport.RealtimeClient;
import io.gamewire.transport.RealtimeClientListener;
import io.gamewire.transport.RealtimeServer;
import io.gamewire.transport.RealtimeServerListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory per connected realtime client, on the server and on the client side, in separate JVMs (the
 * approach of {@link io.gamewire.bench.tcp.IdleMemory}): this JVM runs a {@link RealtimeServer}; a
 * child JVM connects the clients, all sharing one {@link IoThreads} pool, with their listeners on
 * the I/O thread (so no listener thread per client).
 *
 * <p>Both sides connect {@value #WARMUP_CLIENTS} warm-up clients, force a full GC and take a
 * baseline; then the measured clients connect and both sides measure again (<b>idle</b>: only
 * keepalives flow). Then every client, warm-up ones included, sends one 32-byte message on the
 * reliable-ordered channel every {@code --send-interval} ms (default {@value
 * #SEND_INTERVAL_MILLIS}, a game's input rate) and both sides measure once more after {@value
 * #SENDING_SETTLE_MILLIS} ms of that (<b>sending</b>). Growth is the Java heap in use after GC plus
 * the pooled allocator's used direct and heap memory, divided by the number of measured clients.
 *
 * <p>The clients connect with at most {@value #CONNECT_CONCURRENCY} handshakes in flight; before
 * each reading the server must hold exactly the expected number of connections, else the run fails
 * (so a lost or left-over connection never skews the figure per client). The sending reading also
 * records how many messages per second the server actually received against the rate the clients
 * meant to send: on a loaded machine the two differ, and messages then wait in the clients' queues.
 *
 * <pre>
 * java -Xmx2g -cp bench/target/benchmarks.jar io.gamewire.bench.udp.RealtimeMemory [--clients N] [--send-interval MS]
 * </pre>
 */
public final class RealtimeMemory {
  private static final DateTimeFormatter FILE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  static final int WARMUP_CLIENTS = 50;
  static final int SEND_INTERVAL_MILLIS = 50;
  static final int SENDING_SETTLE_MILLIS = 3000;
  private static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(120);

  /**
   * Handshakes in flight at once. Bounded so that a burst of connect requests never overruns the
   * server's socket buffer or its event loop on a loaded machine; each slot is refilled as soon as
   * its handshake ends.
   */
  static final int CONNECT_CONCURRENCY = 16;

  /**
   * A client's handshake deadline here: longer than the library's 5 s default, so that a slow
   * answer on a loaded machine is waited for instead of abandoned (an abandoned handshake the
   * server did accept leaves it a connection until its timeout, which would skew the count).
   */
  static final long CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final int MAX_RETRIES = 100;

  private RealtimeMemory() {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 1 && args[0].equals("--client-side")) {
      clientSide(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      return;
    }
    int clients = 1000;
    int sendIntervalMillis = SEND_INTERVAL_MILLIS;
    Path outDir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--send-interval" -> sendIntervalMillis = Integer.parseInt(args[++i]);
        case "--out" -> outDir = Path.of(args[++i]);
        default -> {
          System.err.println(
              "usage: RealtimeMemory [--clients N (default 1000)] [--send-interval MS (default "
                  + SEND_INTERVAL_MILLIS
                  + ")] [--out DIR]");
          System.exit(2);
        }
      }
    }
    if (outDir == null) {
      outDir = UdpHarness.defaultOutDir();
    }
    String json = run(clients, sendIntervalMillis);
    Files.createDirectories(outDir);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    for (Path p :
        List.of(
            outDir.resolve("udp-memory-" + FILE_STAMP.format(now) + ".json"),
            outDir.resolve("udp-memory-latest.json"))) {
      UdpHarness.writeWhole(p, json);
      System.out.println("wrote " + p);
    }
    System.out.print(json);
    System.exit(0);
  }

  static String run(int clients, int sendIntervalMillis) throws Exception {
    Instant timestamp = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    AtomicLong received = new AtomicLong();
    AtomicLong serverDisconnects = new AtomicLong();
    try (RealtimeServer server =
        RealtimeServer.builder()
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .maxClients(clients + WARMUP_CLIENTS)
            .listenersOnIoThread()
            .listener(
                new RealtimeServerListener() {
                  @Override
                  public void onMessage(int clientId, int channel, byte[] message) {
                    received.incrementAndGet();
                  }

                  @Override
                  public void onDisconnected(int clientId, int code, String text, boolean byPeer) {
                    serverDisconnects.incrementAndGet();
                  }
                })
            .build()
            .start()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child =
          new ProcessBuilder(
                  java,
                  "-Xmx2g",
                  "-cp",
                  System.getProperty("java.class.path"),
                  RealtimeMemory.class.getName(),
                  "--client-side",
                  "127.0.0.1:" + server.localAddress().getPort(),
                  Integer.toString(clients),
                  Integer.toString(sendIntervalMillis))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try (BufferedReader from =
              new BufferedReader(
                  new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
          PrintWriter to = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
        long connectStart = System.nanoTime();
        MemoryUsage.expect(from, "WARM");
        awaitClients(server, WARMUP_CLIENTS, serverDisconnects);
        MemoryUsage base = MemoryUsage.measure();
        to.println("GO");
        MemoryUsage.expect(from, "CONNECTED");
        awaitClients(server, WARMUP_CLIENTS + clients, serverDisconnects);
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
        MemoryUsage idle = MemoryUsage.measure().minus(base);
        int connectedIdle = server.clientCount();
        to.println("MEASURE");
        MemoryUsage clientIdle = MemoryUsage.decode(MemoryUsage.expect(from, "CLIENT "));
        to.println("SEND");
        MemoryUsage.expect(from, "SENDING");
        long r0 = received.get();
        long t0 = System.nanoTime();
        Thread.sleep(SENDING_SETTLE_MILLIS); // traffic runs for a fixed time before the reading
        MemoryUsage sending = MemoryUsage.measure().minus(base);
        double rate = (received.get() - r0) / ((System.nanoTime() - t0) / 1e9);
        to.println("MEASURE");
        MemoryUsage clientSending = MemoryUsage.decode(MemoryUsage.expect(from, "CLIENT "));
        int connectedAtEnd = server.clientCount();
        long disconnectedBeforeClose = serverDisconnects.get();
        to.println("CLOSE");
        String clientReport = MemoryUsage.expect(from, "CLIENT-REPORT ");
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the client JVM did not exit");
        }
        System.err.printf(
            Locale.ROOT,
            "idle: server %.1f KiB, client %.1f KiB per client; sending (%,.0f msg/s in): server"
                + " %.1f KiB, client %.1f KiB per client%n",
            idle.total() / 1024.0 / clients,
            clientIdle.total() / 1024.0 / clients,
            rate,
            sending.total() / 1024.0 / clients,
            clientSending.total() / 1024.0 / clients);
        JsonWriter json = new JsonWriter().beginObject();
        json.name("benchmark").value("udp-memory");
        json.name("timestamp").value(timestamp.toString());
        json.name("javaVersion").value(System.getProperty("java.version"));
        json.name("cores").value(Runtime.getRuntime().availableProcessors());
        json.name("nativeTransport").value(IoThreads.isNative());
        json.name("clients").value(clients);
        json.name("warmupClients").value(WARMUP_CLIENTS);
        json.name("connectSeconds").value(connectSeconds, 1);
        json.name("connectConcurrency").value(CONNECT_CONCURRENCY);
        json.name("connectedWhenIdle").value(connectedIdle);
        json.name("connectedAtEnd").value(connectedAtEnd);
        json.name("serverDisconnectsBeforeClose").value(disconnectedBeforeClose);
        String[] cr = clientReport.trim().split(" ");
        json.name("clientHandshakeRetries").value(Long.parseLong(cr[0]));
        json.name("clientDisconnectsBeforeClose").value(Long.parseLong(cr[1]));
        json.name("sendIntervalMillis").value(sendIntervalMillis);
        json.name("messagesPerSecondIntended")
            .value((clients + WARMUP_CLIENTS) * 1000.0 / sendIntervalMillis, 1);
        json.name("messagesPerSecondReceived").value(rate, 1);
        idle.writeJson(json, "serverIdle", clients);
        clientIdle.writeJson(json, "clientIdle", clients);
        sending.writeJson(json, "serverSending", clients);
        clientSending.writeJson(json, "clientSending", clients);
        json.name("targetBytesPerClientIdle").value(16 * 1024);
        return json.endObject().toString();
      } finally {
        child.destroyForcibly();
      }
    }
  }

  /**
   * Waits until the server holds exactly {@code n} connections: the client side has already seen
   * its {@code n} handshakes complete, so a different count means connections were lost (or an
   * abandoned handshake left one behind) and the reading would not be per measured client.
   */
  private static void awaitClients(RealtimeServer server, int n, AtomicLong disconnects)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
    while (server.clientCount() != n) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(
            "the server holds "
                + server.clientCount()
                + " connections, expected "
                + n
                + " ("
                + disconnects.get()
                + " disconnected so far)");
      }
      Thread.sleep(50); // polling a count, bounded by the deadline
    }
  }

  private static void clientSide(String address, int clients, int sendIntervalMillis)
      throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    List<RealtimeClient> open = new ArrayList<>();
    AtomicLong disconnects = new AtomicLong();
    RealtimeClientListener listener =
        new RealtimeClientListener() {
          @Override
          public void onDisconnected(int code, String text, boolean byPeer) {
            disconnects.incrementAndGet();
          }
        };
    try (IoThreads threads = IoThreads.create(2, "rt-memory-clients")) {
      long retries = connect(threads, address, WARMUP_CLIENTS, open, listener);
      MemoryUsage base = MemoryUsage.measure();
      System.out.println("WARM");
      expectLine(in, "GO");
      retries += connect(threads, address, clients, open, listener);
      System.out.println("CONNECTED");
      expectLine(in, "MEASURE");
      System.out.println("CLIENT " + MemoryUsage.measure().minus(base).encode());
      expectLine(in, "SEND");
      Thread sender =
          new Thread(
              () -> {
                byte[] message = new byte[32];
                long next = System.nanoTime();
                while (!Thread.currentThread().isInterrupted()) {
                  for (RealtimeClient c : open) {
                    c.send(0, message);
                  }
                  next += TimeUnit.MILLISECONDS.toNanos(sendIntervalMillis);
                  long wait = next - System.nanoTime();
                  if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait); // the send rate
                  }
                }
              },
              "rt-memory-sender");
      sender.setDaemon(true);
      sender.start();
      System.out.println("SENDING");
      expectLine(in, "MEASURE");
      System.out.println("CLIENT " + MemoryUsage.measure().minus(base).encode());
      expectLine(in, "CLOSE");
      System.out.println("CLIENT-REPORT " + retries + " " + disconnects.get());
      sender.interrupt();
      sender.join(5_000);
      for (RealtimeClient c : open) {
        c.close();
      }
    }
  }

  /**
   * Connects {@code n} clients with at most {@value #CONNECT_CONCURRENCY} handshakes in flight,
   * starting the next one as each ends. A client whose handshake fails (times out after {@link
   * #CONNECT_TIMEOUT_NANOS}) is closed and replaced, at most {@value #MAX_RETRIES} times in all.
   * Returns the number of retries, which are also reported on standard error.
   */
  private static long connect(
      IoThreads threads,
      String address,
      int n,
      List<RealtimeClient> open,
      RealtimeClientListener listener)
      throws Exception {
    HandshakeConfig handshake =
        HandshakeConfig.defaults().withConnectTimeoutNanos(CONNECT_TIMEOUT_NANOS);
    ArrayDeque<RealtimeClient> started = new ArrayDeque<>();
    ArrayDeque<CompletableFuture<RealtimeClient>> pending = new ArrayDeque<>();
    int retries = 0;
    int launched = 0;
    int done = 0;
    while (done < n) {
      while (launched < n && pending.size() < CONNECT_CONCURRENCY) {
        RealtimeClient c =
            RealtimeClient.builder(address)
                .ioThreads(threads)
                .handshake(handshake)
                .listener(listener)
                .listenersOnIoThread()
                .build();
        started.addLast(c);
        pending.addLast(c.connectAsync());
        launched++;
      }
      // The oldest handshake first: they were started in order and share one deadline length.
      RealtimeClient c = started.pollFirst();
      try {
        pending
            .pollFirst()
            .get(TimeUnit.NANOSECONDS.toMillis(CONNECT_TIMEOUT_NANOS) + 10_000, MILLISECONDS);
        open.add(c);
        done++;
      } catch (ExecutionException | TimeoutException e) {
        c.close();
        launched--; // to be started again
        if (++retries > MAX_RETRIES) {
          throw new IllegalStateException(retries + " handshakes failed; the last: " + e, e);
        }
      }
    }
    if (retries > 0) {
      System.err.println("client side: " + retries + " handshakes failed and were retried");
    }
    return retries;
  }

  private static void expectLine(BufferedReader in, String word) throws IOException {
    String line = in.readLine();
    if (!word.equals(line)) {
      throw new IOException("expected " + word + " from the server side, got " + line);
    }
  }
}
