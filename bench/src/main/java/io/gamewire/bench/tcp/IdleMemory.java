package io.gamewire.bench.tcp;

import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.transport.IoThreads;
import io.gamewire.transport.PacketClient;
import io.gamewire.transport.PacketServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Heap per idle connected client, on the server and on the client side, measured in separate JVMs
 * so the two do not mix: this JVM runs a {@link PacketServer}; a child JVM connects the clients,
 * all sharing one {@link IoThreads} pool.
 *
 * <p>Each side first connects a warm-up batch of clients (so one-time costs such as thread caches
 * and lazily built tables are paid), forces a full GC and takes a baseline, then connects the
 * measured clients, waits until the server has completed every handshake, forces GC again and
 * reports the growth divided by the number of measured clients. Growth counts the Java heap in use
 * after GC plus the pooled allocator's used direct and heap memory ({@code
 * PooledByteBufAllocator.DEFAULT.metric()}), so buffers are included. Client and server use their
 * default settings apart from the shared I/O threads.
 *
 * <pre>
 * java -Xmx1g -cp bench/target/benchmarks.jar io.gamewire.bench.tcp.IdleMemory [--clients N]
 * </pre>
 */
public final class IdleMemory {
  private static final DateTimeFormatter FILE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final int WARMUP_CLIENTS = 50;
  private static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(120);

  private IdleMemory() {}

  private static PacketRegistry registry() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    b.register("bench:idle.chat");
    return b.build();
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 1 && args[0].equals("--client-side")) {
      clientSide(args[1], Integer.parseInt(args[2]));
      return;
    }
    int clients = 1000;
    Path outDir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--out" -> outDir = Path.of(args[++i]);
        default -> {
          System.err.println(
              "usage: IdleMemory [--clients N (default 1000)] [--out DIR (default"
                  + " bench/results)]");
          System.exit(2);
        }
      }
    }
    if (outDir == null) {
      outDir = TcpHarness.defaultOutDir();
    }
    String json = run(clients, System.err);
    Files.createDirectories(outDir);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    for (Path p :
        List.of(
            outDir.resolve("tcp-memory-" + FILE_STAMP.format(now) + ".json"),
            outDir.resolve("tcp-memory-latest.json"))) {
      Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
      Files.writeString(tmp, json, StandardCharsets.UTF_8);
      Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      System.out.println("wrote " + p);
    }
    System.out.print(json);
    // Leave nothing behind (event loop threads are daemons, but be explicit).
    System.exit(0);
  }

  /** Runs both sides; returns the JSON document. */
  static String run(int clients, PrintStream log) throws Exception {
    Instant timestamp = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    try (PacketServer server =
        PacketServer.builder(registry())
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .backlog(1024)
            .build()
            .start()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child =
          new ProcessBuilder(
                  java,
                  "-Xmx1g",
                  "-cp",
                  System.getProperty("java.class.path"),
                  IdleMemory.class.getName(),
                  "--client-side",
                  "127.0.0.1:" + server.localAddress().getPort(),
                  Integer.toString(clients))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try (BufferedReader from =
              new BufferedReader(
                  new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
          PrintWriter to = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8)) {
        MemoryUsage.expect(from, "WARM");
        awaitConnections(server, WARMUP_CLIENTS);
        MemoryUsage serverBase = MemoryUsage.measure();
        log.printf(Locale.ROOT, "server: baseline with %d clients taken%n", WARMUP_CLIENTS);
        to.println("GO");
        MemoryUsage.expect(from, "CONNECTED");
        awaitConnections(server, WARMUP_CLIENTS + clients);
        MemoryUsage serverGrowth = MemoryUsage.measure().minus(serverBase);
        to.println("MEASURE");
        MemoryUsage clientGrowth = MemoryUsage.decode(MemoryUsage.expect(from, "CLIENT "));
        to.println("CLOSE");
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
          child.destroyForcibly();
          throw new IllegalStateException("the client JVM did not exit");
        }
        log.printf(
            Locale.ROOT,
            "server: %.1f KiB per client; client side: %.1f KiB per client%n",
            serverGrowth.total() / 1024.0 / clients,
            clientGrowth.total() / 1024.0 / clients);
        return toJson(timestamp, clients, serverGrowth, clientGrowth);
      } finally {
        child.destroyForcibly();
      }
    }
  }

  private static void awaitConnections(PacketServer server, int n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
    while (server.connections().stream().filter(c -> c.isOpen()).count() < n) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(
            "only " + server.connectionCount() + " of " + n + " clients connected");
      }
      Thread.sleep(50);
    }
  }

  /** The child JVM: connects the clients and reports its own growth. */
  private static void clientSide(String address, int clients) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PacketRegistry registry = registry();
    List<PacketClient> open = new ArrayList<>();
    try (IoThreads threads = IoThreads.create(2, "idle-clients")) {
      connect(registry, threads, address, WARMUP_CLIENTS, open);
      MemoryUsage base = MemoryUsage.measure();
      System.out.println("WARM");
      expectLine(in, "GO");
      connect(registry, threads, address, clients, open);
      System.out.println("CONNECTED");
      expectLine(in, "MEASURE");
      MemoryUsage growth = MemoryUsage.measure().minus(base);
      System.out.println("CLIENT " + growth.encode());
      expectLine(in, "CLOSE");
      for (PacketClient c : open) {
        c.close();
      }
    }
  }

  private static void connect(
      PacketRegistry registry, IoThreads threads, String address, int n, List<PacketClient> open)
      throws IOException {
    for (int i = 0; i < n; i++) {
      open.add(
          PacketClient.builder(registry).connect(address).ioThreads(threads).build().connect());
    }
  }

  private static void expectLine(BufferedReader in, String word) throws IOException {
    String line = in.readLine();
    if (!word.equals(line)) {
      throw new IOException("expected " + word + " from the server side, got " + line);
    }
  }

  private static String toJson(
      Instant timestamp, int clients, MemoryUsage server, MemoryUsage client) {
    JsonWriter json = new JsonWriter().beginObject();
    json.name("benchmark").value("tcp-idle-memory");
    json.name("timestamp").value(timestamp.toString());
    json.name("javaVersion").value(System.getProperty("java.version"));
    json.name("cores").value(Runtime.getRuntime().availableProcessors());
    json.name("nativeTransport").value(IoThreads.isNative());
    json.name("clients").value(clients);
    json.name("warmupClients").value(WARMUP_CLIENTS);
    server.writeJson(json, "server", clients);
    client.writeJson(json, "client", clients);
    json.name("targetBytesPerClient").value(32 * 1024);
    return json.endObject().toString();
  }
}
