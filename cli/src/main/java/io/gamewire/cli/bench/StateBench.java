package io.gamewire.cli.bench;

import io.gamewire.cli.examples.ChaseGame;
import io.gamewire.protocol.realtime.ConnectionStats;
import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.transport.GameClient;
import io.gamewire.transport.GameServer;
import io.gamewire.transport.IoThreads;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A {@link GameServer} and N {@link GameClient}s of one profile on 127.0.0.1 in this JVM, measuring
 * what state sync costs per client: bytes received per second, server CPU, and the interval between
 * the state versions one client sees.
 *
 * <p>Two scenarios. {@code entities}: the state is {@code entities} (id → {@code {x, y, hp}}) and
 * the server's time step changes a share of the entities every tick; clients only hold the state.
 * {@code chase}: the chase example game ({@link ChaseGame}); every client joins with {@code JOIN}
 * and sends a {@code MOVE} with a small random step 20 times a second.
 *
 * <p>Measuring: after every client holds a state (and, in chase, knows its player) and a warm-up, a
 * window of {@link Settings#seconds} is measured. Bytes are {@link ConnectionStats#bytesIn()} of
 * each client (UDP payload, all packets: updates, acks, keepalives), differenced over the window.
 * Server CPU is the CPU time, from {@link ThreadMXBean}, of the server's threads only (the game
 * loop, the server's I/O thread, its listener threads and the PyGaSe listener), differenced over
 * the window. The clients run in the same process on two shared I/O threads, so they load the same
 * cores as the server.
 */
public final class StateBench {
  /** The scenarios. */
  public enum Scenario {
    ENTITIES,
    CHASE
  }

  /** Moves per second each chase player sends. */
  public static final int MOVES_PER_SECOND = 20;

  /** Pixels a chase player moves at most per move, on each axis. */
  static final double MOVE_STEP = 3;

  /** Units an entity moves at most per change, on each axis. */
  static final double ENTITY_STEP = 1;

  private static final long CONNECT_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long JOIN_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final String SERVER_IO = "bench-state-server";
  private static final String[] SERVER_THREADS = {
    SERVER_IO, "gamewire-game-loop", "gamewire-pygase-listener", "gamewire-realtime-listener"
  };

  /**
   * What to run.
   *
   * @param scenario entities or chase
   * @param profile the wire all clients speak
   * @param clients connected clients (in chase, players)
   * @param entities entities in the state (entities scenario)
   * @param changePercent share of entities changed each tick, percent
   * @param rateHz server tick rate and send rate
   * @param seconds length of the measured window
   * @param warmupSeconds time between everyone being ready and the window
   * @param quantum float quantum of server and clients (0: exact floats)
   * @param seed seeds the server's randomness and the moves
   */
  public record Settings(
      Scenario scenario,
      GameClient.Profile profile,
      int clients,
      int entities,
      double changePercent,
      int rateHz,
      double seconds,
      double warmupSeconds,
      double quantum,
      long seed) {
    public Settings {
      Objects.requireNonNull(scenario, "scenario");
      Objects.requireNonNull(profile, "profile");
      if (clients < 1 || clients > 4096) {
        throw new IllegalArgumentException("clients must be between 1 and 4096, was " + clients);
      }
      if (entities < 1 || entities > 100_000) {
        throw new IllegalArgumentException(
            "entities must be between 1 and 100000, was " + entities);
      }
      if (!(changePercent >= 0 && changePercent <= 100)) {
        throw new IllegalArgumentException(
            "change rate must be between 0 and 100 percent, was " + changePercent);
      }
      if (rateHz < 1 || rateHz > 1000) {
        throw new IllegalArgumentException("rate must be between 1 and 1000 Hz, was " + rateHz);
      }
      if (!(seconds > 0 && seconds <= 3600)) {
        throw new IllegalArgumentException("seconds must be in (0, 3600], was " + seconds);
      }
      if (!(warmupSeconds >= 0 && warmupSeconds <= 600)) {
        throw new IllegalArgumentException(
            "warm-up must be between 0 and 600 seconds, was " + warmupSeconds);
      }
      if (!(quantum >= 0 && quantum <= 1000)) {
        throw new IllegalArgumentException("quantum must be between 0 and 1000, was " + quantum);
      }
    }
  }

  /** What one run measured. */
  public record Result(
      Settings settings,
      int connected,
      double windowSeconds,
      double bytesPerSecondPerClient,
      double minBytesPerSecondPerClient,
      double maxBytesPerSecondPerClient,
      double packetsPerSecondPerClient,
      double serverCpuMillisPerSecond,
      double updatesPerSecond,
      double updateIntervalP50Millis,
      double updateIntervalP99Millis,
      double updateIntervalMaxMillis,
      double serverSendIntervalP99Millis,
      double serverSendIntervalMaxMillis,
      double movesPerSecond,
      double processCpuMillisPerSecond,
      long joinsRepeated,
      Map<String, Object> bytesAccount,
      Map<String, Object> gc) {

    public double serverCpuMillisPerSecondPerClient() {
      return serverCpuMillisPerSecond / Math.max(1, connected);
    }

    /** Client bytes per update divided by the players that moved in it (chase; NaN otherwise). */
    public double bytesPerMovedPlayerPerUpdate() {
      if (settings.scenario() != Scenario.CHASE || updatesPerSecond <= 0) {
        return Double.NaN;
      }
      double movedPerUpdate = Math.min(connected, movesPerSecond / updatesPerSecond);
      return movedPerUpdate <= 0
          ? Double.NaN
          : bytesPerSecondPerClient / updatesPerSecond / movedPerUpdate;
    }

    /** Whether the p99 update interval stayed within 1.5 periods of the send rate. */
    public boolean timingHeld() {
      return updateIntervalP99Millis <= 1.5 * 1000.0 / settings.rateHz();
    }

    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("profile", settings.profile().name().toLowerCase(Locale.ROOT));
      m.put("scenario", settings.scenario().name().toLowerCase(Locale.ROOT));
      m.put("clients", settings.clients());
      m.put("connected", connected);
      m.put("entities", settings.scenario() == Scenario.CHASE ? connected : settings.entities());
      if (settings.scenario() == Scenario.ENTITIES) {
        m.put("changePercent", settings.changePercent());
      }
      m.put("tickRateHz", settings.rateHz());
      m.put("sendRateHz", settings.rateHz());
      m.put("quantum", settings.quantum());
      m.put("bytesPerSecondPerClient", round(bytesPerSecondPerClient));
      m.put("minBytesPerSecondPerClient", round(minBytesPerSecondPerClient));
      m.put("maxBytesPerSecondPerClient", round(maxBytesPerSecondPerClient));
      m.put("packetsPerSecondPerClient", round(packetsPerSecondPerClient));
      m.put("serverCpuMillisPerSecond", round(serverCpuMillisPerSecond));
      m.put("serverCpuMillisPerSecondPerClient", round(serverCpuMillisPerSecondPerClient()));
      m.put("serverCpuSource", "ThreadMXBean CPU time of the server's threads");
      m.put("processCpuMillisPerSecond", round(processCpuMillisPerSecond));
      m.put("updatesPerSecond", round(updatesPerSecond));
      m.put("updateIntervalP50Millis", round(updateIntervalP50Millis));
      m.put("updateIntervalP99Millis", round(updateIntervalP99Millis));
      m.put("updateIntervalMaxMillis", round(updateIntervalMaxMillis));
      m.put("timingHeld", timingHeld());
      m.put("watchedClients", Math.min(WATCHED, settings.clients()));
      m.put("serverSendIntervalP99Millis", round(serverSendIntervalP99Millis));
      m.put("serverSendIntervalMaxMillis", round(serverSendIntervalMaxMillis));
      if (settings.scenario() == Scenario.CHASE) {
        m.put("movesPerSecond", round(movesPerSecond));
        m.put("joinsRepeated", joinsRepeated);
        double b = bytesPerMovedPlayerPerUpdate();
        m.put("bytesPerMovedPlayerPerUpdate", Double.isNaN(b) ? null : round(b));
      }
      if (bytesAccount != null) {
        m.put("bytesAccountPerSecondPerClient", bytesAccount);
      }
      m.put("gcDuringWindow", gc);
      m.put("windowSeconds", round(windowSeconds));
      m.put("warmupSeconds", settings.warmupSeconds());
      return m;
    }

    private static double round(double v) {
      return Math.round(v * 100) / 100.0;
    }
  }

  private StateBench() {}

  /** Runs one profile: server, clients, warm-up, window; closes everything before returning. */
  public static Result run(Settings s) throws Exception {
    return run(s, false);
  }

  /**
   * As {@link #run(Settings)}; with {@code account}, the clients talk to the server through a
   * {@link ByteAccountRelay} and the result says where every byte of the window went.
   */
  public static Result run(Settings s, boolean account) throws Exception {
    int players = s.clients();
    AtomicReference<GameServer> self = new AtomicReference<>();
    IoThreads serverThreads = IoThreads.create(1, SERVER_IO);
    IoThreads clientThreads = IoThreads.create(2, "bench-state-clients");
    List<GameClient> clients = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> drivers = new ArrayList<>();
    ByteAccountRelay relay = null;
    try {
      GameServer.Builder sb =
          s.scenario() == Scenario.CHASE
              ? ChaseGame.server(self, line -> {}, s.seed())
              : entitiesServer(s);
      GameServer server =
          sb.bind("127.0.0.1:0")
              .maxClients(players)
              .hostCanShutdown(false)
              .tickRate(s.rateHz())
              .sendRate(s.rateHz())
              .floatQuantum(s.quantum())
              .ioThreads(serverThreads)
              .build();
      self.set(server);
      server.start();
      if (account) {
        relay = new ByteAccountRelay(server.localAddress(), players);
      }

      Map<GameClient, Long> ids = new ConcurrentHashMap<>();
      long connectDeadline = System.nanoTime() + CONNECT_NANOS;
      int batch = 20;
      for (int from = 0; from < players; from += batch) {
        List<CompletableFuture<GameClient>> pending = new ArrayList<>();
        for (int i = from; i < Math.min(players, from + batch); i++) {
          GameClient[] holder = new GameClient[1];
          GameClient.Builder cb =
              GameClient.builder(relay == null ? server.localAddress() : relay.front(i))
                  .profile(s.profile())
                  .floatQuantum(s.quantum())
                  // Hundreds of handshakes on a loaded machine: longer than the 5 s default.
                  .handshake(
                      HandshakeConfig.defaults()
                          .withConnectTimeoutNanos(TimeUnit.SECONDS.toNanos(30)))
                  .ioThreads(clientThreads);
          if (s.scenario() == Scenario.CHASE) {
            cb.on("PLAYER_CREATED", e -> ids.put(holder[0], e.longArg(0)));
          }
          GameClient c = cb.build();
          holder[0] = c;
          clients.add(c);
          pending.add(c.connectAsync());
        }
        for (CompletableFuture<GameClient> f : pending) {
          try {
            f.get(Math.max(1, connectDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                "a client did not connect ("
                    + server.clientCount()
                    + " of "
                    + players
                    + " connected): "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(),
                e);
          }
        }
      }
      long joinRefused = 0;
      if (s.scenario() == Scenario.CHASE) {
        for (int i = 0; i < clients.size(); i++) {
          if (!clients.get(i).dispatch("JOIN", "bot" + i)) {
            joinRefused++;
          }
        }
      }
      long joinsRepeated = 0;
      long nextJoin = System.nanoTime() + JOIN_RETRY_NANOS;
      // Ready: every client holds a state, and every chase player knows its id.
      while (!clients.stream().allMatch(c -> c.timeOrder() != 0)
          || (s.scenario() == Scenario.CHASE && ids.size() < players)) {
        if (System.nanoTime() - connectDeadline > 0) {
          throw new IllegalStateException(
              "the clients were not all in sync within "
                  + TimeUnit.NANOSECONDS.toSeconds(CONNECT_NANOS)
                  + " s ("
                  + clients.stream().filter(c -> c.timeOrder() != 0).count()
                  + " of "
                  + players
                  + " hold a state, "
                  + ids.size()
                  + " players created, "
                  + joinRefused
                  + " joins refused, "
                  + joinsRepeated
                  + " repeated); try fewer clients or entities"
                  + (s.profile() == GameClient.Profile.PYGASE
                      ? " (PyGaSe's packages hold at most 2048 bytes: a larger state is never sent)"
                      : ""));
        }
        if (s.scenario() == Scenario.CHASE && System.nanoTime() - nextJoin > 0) {
          // A player still without its PLAYER_CREATED: join again (the handler keys by client).
          for (int i = 0; i < clients.size(); i++) {
            if (!ids.containsKey(clients.get(i))) {
              clients.get(i).dispatch("JOIN", "bot" + i);
              joinsRepeated++;
            }
          }
          nextJoin = System.nanoTime() + JOIN_RETRY_NANOS;
        }
        LockSupport.parkNanos(10_000_000L); // polling readiness, bounded by the deadline above
      }

      // The interval sampler watches up to WATCHED clients spread over the list (so over the I/O
      // threads): a p99 of one client's 300 intervals in a 10 s window is its third-worst interval.
      Histogram intervals = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      // The server's side of the same question: the interval between its send ticks.
      Histogram sendIntervals = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      GameServer sending = self.get();
      AtomicBoolean recording = new AtomicBoolean();
      AtomicLong versionsSeen =
          new AtomicLong(); // by the first watched client, for updatesPerSecond
      GameClient[] watched = watchedClients(clients);
      Thread sampler =
          new Thread(
              () -> {
                int[] last = new int[watched.length];
                long[] lastNanos = new long[watched.length];
                long start = System.nanoTime();
                for (int i = 0; i < watched.length; i++) {
                  last[i] = watched[i].timeOrder();
                  lastNanos[i] = start;
                }
                long lastSend = sending == null ? 0 : sending.sendTicks();
                long lastSendNanos = start;
                while (!stop.get()) {
                  long now = System.nanoTime();
                  long sends = sending == null ? 0 : sending.sendTicks();
                  if (sends != lastSend) {
                    if (recording.get()) {
                      sendIntervals.recordValue(
                          Math.min(now - lastSendNanos, sendIntervals.getHighestTrackableValue()));
                    }
                    lastSend = sends;
                    lastSendNanos = now;
                  }
                  for (int i = 0; i < watched.length; i++) {
                    int t = watched[i].timeOrder();
                    if (t != last[i]) {
                      if (recording.get()) {
                        intervals.recordValue(
                            Math.min(now - lastNanos[i], intervals.getHighestTrackableValue()));
                        if (i == 0) {
                          versionsSeen.incrementAndGet();
                        }
                      }
                      last[i] = t;
                      lastNanos[i] = now;
                    }
                  }
                  LockSupport.parkNanos(500_000L); // half a millisecond of sampling resolution
                }
              },
              "bench-state-sampler");
      sampler.setDaemon(true);
      drivers.add(sampler);

      AtomicLong moves = new AtomicLong();
      if (s.scenario() == Scenario.CHASE) {
        Thread mover =
            new Thread(
                () -> movePlayers(s, clients, ids, stop, recording, moves), "bench-state-mover");
        mover.setDaemon(true);
        drivers.add(mover);
      }
      drivers.forEach(Thread::start);

      parkFor(s.warmupSeconds());

      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      long[] bytesBefore = new long[clients.size()];
      long packetsBefore = 0;
      for (int i = 0; i < clients.size(); i++) {
        ConnectionStats st = clients.get(i).stats();
        bytesBefore[i] = st == null ? 0 : st.bytesIn();
        packetsBefore += st == null ? 0 : st.packetsIn();
      }
      Map<Long, Long> cpuBefore = serverCpu(mx);
      Map<String, long[]> gcBefore = gcTotals();
      long processBefore = processCpuNanos();
      long start = System.nanoTime();
      recording.set(true);
      if (relay != null) {
        relay.counting.set(true);
      }

      parkFor(s.seconds());

      recording.set(false);
      if (relay != null) {
        relay.counting.set(false);
      }
      long end = System.nanoTime();
      Map<Long, Long> cpuAfter = serverCpu(mx);
      Map<String, long[]> gcAfter = gcTotals();
      long processAfter = processCpuNanos();
      double window = (end - start) / 1e9;
      double sum = 0;
      double min = Double.MAX_VALUE;
      double max = 0;
      long packetsAfter = 0;
      int connected = 0;
      for (int i = 0; i < clients.size(); i++) {
        GameClient c = clients.get(i);
        ConnectionStats st = c.stats();
        if (st == null || !c.isConnected()) {
          continue;
        }
        connected++;
        double rate = (st.bytesIn() - bytesBefore[i]) / window;
        sum += rate;
        min = Math.min(min, rate);
        max = Math.max(max, rate);
        packetsAfter += st.packetsIn();
      }
      long cpu = 0;
      for (Map.Entry<Long, Long> e : cpuAfter.entrySet()) {
        cpu += e.getValue() - cpuBefore.getOrDefault(e.getKey(), 0L);
      }
      stop.set(true);
      for (Thread t : drivers) {
        t.join(5_000);
      }
      int n = Math.max(1, connected);
      return new Result(
          s,
          connected,
          window,
          sum / n,
          connected == 0 ? 0 : min,
          max,
          (packetsAfter - packetsBefore) / window / n,
          cpu / 1e6 / window,
          versionsSeen.get() / window,
          intervals.getTotalCount() == 0 ? Double.NaN : intervals.getValueAtPercentile(50) / 1e6,
          intervals.getTotalCount() == 0 ? Double.NaN : intervals.getValueAtPercentile(99) / 1e6,
          intervals.getTotalCount() == 0 ? Double.NaN : intervals.getMaxValue() / 1e6,
          sendIntervals.getTotalCount() == 0
              ? Double.NaN
              : sendIntervals.getValueAtPercentile(99) / 1e6,
          sendIntervals.getTotalCount() == 0 ? Double.NaN : sendIntervals.getMaxValue() / 1e6,
          moves.get() / window,
          processAfter < 0 ? Double.NaN : (processAfter - processBefore) / 1e6 / window,
          joinsRepeated,
          relay == null ? null : relay.perSecondPerClient(window, n),
          gcDuring(gcBefore, gcAfter));
    } finally {
      stop.set(true);
      for (GameClient c : clients) {
        c.close();
      }
      GameServer server = self.get();
      if (server != null) {
        server.close();
      }
      if (relay != null) {
        relay.close();
      }
      clientThreads.close();
      serverThreads.close();
    }
  }

  /** Clients whose update intervals are sampled: at most this many, spread over the list. */
  static final int WATCHED = 8;

  private static GameClient[] watchedClients(List<GameClient> clients) {
    int n = Math.min(WATCHED, clients.size());
    GameClient[] w = new GameClient[n];
    for (int i = 0; i < n; i++) {
      w[i] = clients.get(i * clients.size() / n);
    }
    return w;
  }

  /** Collections and milliseconds so far, by collector (the JVM's own names). */
  private static Map<String, long[]> gcTotals() {
    Map<String, long[]> m = new LinkedHashMap<>();
    for (java.lang.management.GarbageCollectorMXBean b :
        ManagementFactory.getGarbageCollectorMXBeans()) {
      m.put(b.getName(), new long[] {b.getCollectionCount(), b.getCollectionTime()});
    }
    return m;
  }

  /**
   * What each collector did in the window: {@code {name: {count, millis}}}. For a concurrent
   * collector (ZGC's cycles) the milliseconds are mostly not pauses; its pauses have their own
   * entry where the JVM reports them.
   */
  private static Map<String, Object> gcDuring(
      Map<String, long[]> before, Map<String, long[]> after) {
    Map<String, Object> m = new LinkedHashMap<>();
    after.forEach(
        (name, a) -> {
          long[] b = before.getOrDefault(name, new long[2]);
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("count", a[0] - b[0]);
          e.put("millis", a[1] - b[1]);
          m.put(name, e);
        });
    return m;
  }

  /** The entities scenario: N entities, a share of them moved (and some hurt) every tick. */
  static GameServer.Builder entitiesServer(Settings s) {
    Random random = new Random(s.seed());
    Map<Long, Object> entities = new LinkedHashMap<>();
    for (long id = 0; id < s.entities(); id++) {
      entities.put(
          id,
          Map.of(
              "x", Math.floor(random.nextDouble() * 100_000) / 100,
              "y", Math.floor(random.nextDouble() * 100_000) / 100,
              "hp", 100L));
    }
    int[] order = new int[s.entities()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    int perTick = (int) Math.round(s.entities() * s.changePercent() / 100.0);
    return GameServer.builder()
        .initialState(Map.of("entities", entities))
        .timeStep(
            (state, dt) -> {
              if (perTick == 0 || !(state.get("entities") instanceof Map<?, ?> all)) {
                return Map.of();
              }
              Map<Long, Object> changes = new HashMap<>();
              for (int i = 0; i < perTick; i++) {
                // A partial Fisher-Yates shuffle: perTick distinct entities.
                int j = i + random.nextInt(order.length - i);
                int id = order[j];
                order[j] = order[i];
                order[i] = id;
                Map<?, ?> e = (Map<?, ?>) all.get((long) id);
                double x = ((Number) e.get("x")).doubleValue();
                double y = ((Number) e.get("y")).doubleValue();
                long hp = ((Number) e.get("hp")).longValue();
                Map<String, Object> change = new HashMap<>();
                change.put("x", x + (random.nextDouble() * 2 - 1) * ENTITY_STEP);
                change.put("y", y + (random.nextDouble() * 2 - 1) * ENTITY_STEP);
                if (random.nextInt(10) == 0) {
                  change.put("hp", hp <= 1 ? 100L : hp - 1);
                }
                changes.put((long) id, change);
              }
              return Map.of("entities", changes);
            });
  }

  /** Every chase player sends a move with a small random step, 20 times a second. */
  private static void movePlayers(
      Settings s,
      List<GameClient> clients,
      Map<GameClient, Long> ids,
      AtomicBoolean stop,
      AtomicBoolean recording,
      AtomicLong moves) {
    Random random = new Random(s.seed() ^ 0x5DEECE66DL);
    double[][] positions = new double[clients.size()][];
    long period = 1_000_000_000L / MOVES_PER_SECOND;
    long next = System.nanoTime();
    while (!stop.get()) {
      for (int i = 0; i < clients.size(); i++) {
        GameClient c = clients.get(i);
        Long id = ids.get(c);
        if (id == null) {
          continue;
        }
        if (positions[i] == null) {
          positions[i] = positionOf(c, id);
          if (positions[i] == null) {
            continue;
          }
        }
        double[] p = positions[i];
        p[0] = clamp(p[0] + (random.nextDouble() * 2 - 1) * MOVE_STEP, ChaseGame.WIDTH);
        p[1] = clamp(p[1] + (random.nextDouble() * 2 - 1) * MOVE_STEP, ChaseGame.HEIGHT);
        if (c.dispatch("MOVE", id, List.of(p[0], p[1])) && recording.get()) {
          moves.incrementAndGet();
        }
      }
      next += period;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait); // pacing the moves at 20 Hz
      } else {
        next = System.nanoTime(); // fell behind: do not burst to catch up
      }
    }
  }

  private static double[] positionOf(GameClient c, long id) {
    Object players = c.state().get("players");
    if (players instanceof Map<?, ?> m
        && m.get(id) instanceof Map<?, ?> player
        && player.get("position") instanceof List<?> p
        && p.size() == 2) {
      return new double[] {((Number) p.get(0)).doubleValue(), ((Number) p.get(1)).doubleValue()};
    }
    return null;
  }

  private static double clamp(double v, double max) {
    return Math.max(0, Math.min(max, v));
  }

  /** CPU nanoseconds of each live server thread, by thread id. */
  private static Map<Long, Long> serverCpu(ThreadMXBean mx) {
    Map<Long, Long> cpu = new HashMap<>();
    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      for (String prefix : SERVER_THREADS) {
        if (info.getThreadName().startsWith(prefix)) {
          long t = mx.getThreadCpuTime(info.getThreadId());
          if (t >= 0) {
            cpu.put(info.getThreadId(), t);
          }
          break;
        }
      }
    }
    return cpu;
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** Waits out a measuring period (not a wait for an event: the period is what is measured). */
  private static void parkFor(double seconds) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long left;
    while ((left = end - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }
}
