package io.gamewire.cli.bench;

import io.gamewire.protocol.realtime.DeliveryMode;
import io.gamewire.protocol.realtime.RealtimeConfig;
import io.gamewire.protocol.realtime.RealtimeConnection;
import io.gamewire.testkit.LossyUdpProxy;
import io.gamewire.transport.IoThreads;
import io.gamewire.transport.RealtimeClient;
import io.gamewire.transport.RealtimeClientListener;
import io.gamewire.transport.RealtimeServer;
import io.gamewire.transport.RealtimeServerListener;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A {@link RealtimeServer} and N {@link RealtimeClient}s on 127.0.0.1 in this JVM, optionally
 * through a {@link LossyUdpProxy}, exchanging numbered messages on one channel of the chosen
 * delivery mode.
 *
 * <p>Each message is {@code u32 client index | u32 sequence | u64 send time (nanoTime)}, padded to
 * the payload size. The server checks every message it receives against what that client sent
 * (delivered, duplicates, arrivals older than the newest seen from that client) and echoes it back
 * on the same channel; the client records {@code now - send time} of each echo as a round trip.
 *
 * <p>Flow control: a client keeps at most {@link Settings#window} messages whose fate is unknown,
 * counted by the message callbacks (acknowledged or timed out), so the library's per-channel queue
 * never refuses a message and a refused message can never be mistaken for a lost one. The round
 * trip is therefore measured under load, with up to a window of messages queued ahead of each one.
 *
 * <p>Every thread is bounded: sending stops after {@link Settings#messagesPerClient} per client or
 * {@link Settings#seconds}, whichever comes first, then the run waits at most {@link #DRAIN_NANOS}
 * (plus eight one-way delays) for the messages still in flight.
 */
public final class RealtimeBench {
  /** The channel every message travels on. */
  static final int CHANNEL = 0;

  /** Bytes of the numbered message header; the payload is at least this long. */
  public static final int MIN_SIZE = 16;

  /** The longest wait for in-flight messages after sending stops. */
  static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(15);

  private static final long CONNECT_NANOS = TimeUnit.SECONDS.toNanos(20);

  /**
   * What to run.
   *
   * @param clients connected clients, each sending
   * @param messagesPerClient messages each client sends; 0 = until {@code seconds} have passed
   * @param size payload bytes per message, at least {@link #MIN_SIZE}
   * @param lossPercent datagrams the proxy drops in each direction, 0 to 100
   * @param latencyMillis delay the proxy adds in each direction
   * @param mode delivery mode of the channel
   * @param seconds limit of the sending phase
   * @param window messages per client whose fate is not yet known, at most
   */
  public record Settings(
      int clients,
      long messagesPerClient,
      int size,
      double lossPercent,
      int latencyMillis,
      DeliveryMode mode,
      double seconds,
      int window) {
    public Settings {
      Objects.requireNonNull(mode, "mode");
      if (clients < 1 || clients > 4096) {
        throw new IllegalArgumentException("clients must be between 1 and 4096, was " + clients);
      }
      if (messagesPerClient < 0) {
        throw new IllegalArgumentException("messages must not be negative");
      }
      if (size < MIN_SIZE || size > 65_536) {
        throw new IllegalArgumentException(
            "size must be between " + MIN_SIZE + " and 65536 bytes, was " + size);
      }
      if (!(lossPercent >= 0 && lossPercent <= 90)) {
        throw new IllegalArgumentException("loss must be between 0 and 90 percent");
      }
      if (latencyMillis < 0 || latencyMillis > 1000) {
        throw new IllegalArgumentException("latency must be between 0 and 1000 ms");
      }
      if (!(seconds >= 0.1 && seconds <= 3600)) {
        throw new IllegalArgumentException("seconds must be between 0.1 and 3600");
      }
      if (window < 1 || window > 4096) {
        throw new IllegalArgumentException("window must be between 1 and 4096");
      }
    }

    boolean throughProxy() {
      return lossPercent > 0 || latencyMillis > 0;
    }
  }

  /** What one run measured. */
  public record Result(
      Settings settings,
      long sent,
      long delivered,
      long duplicates,
      long outOfOrder,
      long echoed,
      long acked,
      long timedOut,
      long disconnects,
      double rttP50Micros,
      double rttP99Micros,
      double rttP999Micros,
      double rttMaxMicros,
      double seconds,
      double messagesPerSecond,
      boolean drained,
      long proxyDropped,
      List<String> problems) {

    /** The keys the command promises first, then the rest. */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sent", sent);
      m.put("delivered", delivered);
      m.put("duplicates", duplicates);
      m.put("outOfOrder", outOfOrder);
      m.put("rttP50Micros", rttP50Micros);
      m.put("rttP99Micros", rttP99Micros);
      m.put("messagesPerSecond", messagesPerSecond);
      m.put("rttP999Micros", rttP999Micros);
      m.put("rttMaxMicros", rttMaxMicros);
      m.put("echoed", echoed);
      m.put("acked", acked);
      m.put("timedOut", timedOut);
      m.put("disconnects", disconnects);
      m.put("seconds", seconds);
      m.put("drained", drained);
      m.put("proxyDropped", proxyDropped);
      m.put("mode", modeName(settings.mode()));
      m.put("clients", settings.clients());
      m.put("size", settings.size());
      m.put("lossPercent", settings.lossPercent());
      m.put("latencyMillis", settings.latencyMillis());
      m.put("window", settings.window());
      m.put("ok", problems.isEmpty());
      m.put("problems", problems);
      return m;
    }
  }

  private RealtimeBench() {}

  /** The command-line spelling of a mode: {@code reliable-ordered} and so on. */
  public static String modeName(DeliveryMode mode) {
    return mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /**
   * What a run broke of its mode's promises; empty when it kept them all. Reliable modes must
   * deliver every message sent exactly once, reliable-ordered in order too; unreliable-sequenced
   * must never deliver a message older than one already delivered; and no mode may deliver a
   * message twice (the protocol drops duplicate packets). A connection lost during the run breaks a
   * reliable mode's promise as well.
   */
  public static List<String> verdict(
      DeliveryMode mode,
      long sent,
      long delivered,
      long duplicates,
      long outOfOrder,
      long disconnects) {
    List<String> problems = new ArrayList<>();
    boolean reliable =
        mode == DeliveryMode.RELIABLE_ORDERED || mode == DeliveryMode.RELIABLE_UNORDERED;
    if (reliable && delivered < sent) {
      problems.add((sent - delivered) + " of " + sent + " reliable messages were not delivered");
    }
    if (delivered > sent) {
      problems.add(delivered + " messages delivered but only " + sent + " sent");
    }
    if (duplicates > 0) {
      problems.add(duplicates + " messages were delivered more than once");
    }
    boolean ordered =
        mode == DeliveryMode.RELIABLE_ORDERED || mode == DeliveryMode.UNRELIABLE_SEQUENCED;
    if (ordered && outOfOrder > 0) {
      problems.add(outOfOrder + " messages arrived after a newer one (" + modeName(mode) + ")");
    }
    if (reliable && disconnects > 0) {
      problems.add(disconnects + " connections ended during the run");
    }
    return problems;
  }

  /** What the server saw of one client's messages; server I/O thread only. */
  private static final class Arrivals {
    final BitSet seen = new BitSet();
    long highest = -1;
    long delivered;
    long duplicates;
    long outOfOrder;
  }

  /** One client's sending side. */
  private static final class Sender implements RealtimeConnection.MessageCallbacks {
    final int index;
    final AtomicInteger unknown = new AtomicInteger();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong echoed = new AtomicLong();

    /** Recorded on the clients' one I/O thread; read after the clients are closed. */
    final Histogram rtt = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);

    volatile boolean disconnected;
    RealtimeClient client;
    long sent;

    Sender(int index) {
      this.index = index;
    }

    @Override
    public void onAcked() {
      acked.incrementAndGet();
      unknown.decrementAndGet();
    }

    @Override
    public void onTimedOut() {
      timedOut.incrementAndGet();
      unknown.decrementAndGet();
    }
  }

  /** Runs the benchmark; every wait is bounded. */
  public static Result run(Settings s) throws Exception {
    RealtimeConfig config = RealtimeConfig.builder().channels(Map.of(CHANNEL, s.mode())).build();
    Arrivals[] arrivals = new Arrivals[s.clients()];
    for (int i = 0; i < arrivals.length; i++) {
      arrivals[i] = new Arrivals();
    }
    AtomicLong deliveredTotal = new AtomicLong();
    AtomicLong lastDeliveryNanos = new AtomicLong();
    AtomicLong malformed = new AtomicLong();
    RealtimeServer[] serverRef = new RealtimeServer[1];
    RealtimeServerListener serverListener =
        new RealtimeServerListener() {
          @Override
          public void onMessage(int clientId, int channel, byte[] message) {
            ByteBuffer b = ByteBuffer.wrap(message);
            int index = message.length >= MIN_SIZE ? b.getInt(0) : -1;
            if (index < 0 || index >= arrivals.length) {
              malformed.incrementAndGet();
              return;
            }
            int seq = b.getInt(4);
            Arrivals a = arrivals[index];
            if (a.seen.get(seq)) {
              a.duplicates++;
            } else {
              a.seen.set(seq);
              a.delivered++;
            }
            if (seq < a.highest) {
              a.outOfOrder++;
            } else {
              a.highest = seq;
            }
            deliveredTotal.incrementAndGet();
            lastDeliveryNanos.set(System.nanoTime());
            serverRef[0].send(clientId, CHANNEL, message);
          }
        };

    Sender[] senders = new Sender[s.clients()];
    long t0;
    long sendEnd;
    boolean drained;
    long disconnects = 0;
    long proxyDropped = 0;
    LossyUdpProxy proxy = null;
    try (IoThreads clientThreads = IoThreads.create(1, "gamewire-bench-clients");
        RealtimeServer server =
            RealtimeServer.builder()
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .config(config)
                .maxClients(s.clients())
                .listenersOnIoThread()
                .listener(serverListener)
                .build()) {
      serverRef[0] = server;
      server.start();
      InetSocketAddress target = server.localAddress();
      try {
        if (s.throughProxy()) {
          Duration delay = Duration.ofMillis(s.latencyMillis());
          proxy =
              LossyUdpProxy.builder(target)
                  .seed(System.nanoTime())
                  .maxSessions(s.clients() + 16)
                  .maxQueuedDatagrams(1 << 18)
                  .maxQueuedBytes(256L * 1024 * 1024)
                  .conditions(
                      LossyUdpProxy.Conditions.none()
                          .withLoss(s.lossPercent() / 100.0)
                          .withDelay(delay, Duration.ZERO))
                  .start();
          target = proxy.address();
        }
        connect(s, config, target, clientThreads, senders);
        t0 = System.nanoTime();
        sendEnd = send(s, senders, t0 + (long) (s.seconds() * 1e9));
        long drainLimit =
            System.nanoTime() + DRAIN_NANOS + 8 * TimeUnit.MILLISECONDS.toNanos(s.latencyMillis());
        drained = drain(s, senders, deliveredTotal, drainLimit);
        for (Sender c : senders) {
          disconnects += c.disconnected ? 1 : 0; // before closing them ends every connection
        }
        if (proxy != null) {
          proxyDropped =
              proxy.counters(LossyUdpProxy.Direction.TO_SERVER).dropped()
                  + proxy.counters(LossyUdpProxy.Direction.TO_CLIENT).dropped();
        }
      } finally {
        for (Sender c : senders) {
          if (c != null && c.client != null) {
            c.client.close();
          }
        }
        if (proxy != null) {
          proxy.close();
        }
      }
    }
    // Server and clients are closed: their I/O threads are done with the counters.
    long sent = 0;
    long acked = 0;
    long timedOut = 0;
    long echoed = 0;
    Histogram rtt = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    for (Sender c : senders) {
      sent += c.sent;
      acked += c.acked.get();
      timedOut += c.timedOut.get();
      echoed += c.echoed.get();
      rtt.add(c.rtt);
    }
    long delivered = 0;
    long duplicates = 0;
    long outOfOrder = 0;
    for (Arrivals a : arrivals) {
      delivered += a.delivered;
      duplicates += a.duplicates;
      outOfOrder += a.outOfOrder;
    }
    long end = Math.max(sendEnd, lastDeliveryNanos.get());
    double seconds = Math.max(1e-9, (end - t0) / 1e9);
    List<String> problems =
        new ArrayList<>(verdict(s.mode(), sent, delivered, duplicates, outOfOrder, disconnects));
    if (malformed.get() > 0) {
      problems.add(malformed.get() + " messages arrived mangled");
    }
    return new Result(
        s,
        sent,
        delivered,
        duplicates,
        outOfOrder,
        echoed,
        acked,
        timedOut,
        disconnects,
        rtt.getValueAtPercentile(50) / 1e3,
        rtt.getValueAtPercentile(99) / 1e3,
        rtt.getValueAtPercentile(99.9) / 1e3,
        rtt.getMaxValue() / 1e3,
        seconds,
        delivered / seconds,
        drained,
        proxyDropped,
        List.copyOf(problems));
  }

  private static void connect(
      Settings s,
      RealtimeConfig config,
      InetSocketAddress target,
      IoThreads threads,
      Sender[] senders)
      throws Exception {
    List<java.util.concurrent.CompletableFuture<RealtimeClient>> pending = new ArrayList<>();
    for (int i = 0; i < senders.length; i++) {
      Sender c = new Sender(i);
      senders[i] = c;
      c.client =
          RealtimeClient.builder(target)
              .config(config)
              .ioThreads(threads)
              .listenersOnIoThread()
              .listener(
                  new RealtimeClientListener() {
                    @Override
                    public void onMessage(int channel, byte[] message) {
                      if (message.length >= MIN_SIZE) {
                        long sentAt = ByteBuffer.wrap(message).getLong(8);
                        c.rtt.recordValue(Math.max(0, System.nanoTime() - sentAt));
                        c.echoed.incrementAndGet();
                      }
                    }

                    @Override
                    public void onDisconnected(int code, String text, boolean byPeer) {
                      c.disconnected = true;
                    }
                  })
              .build();
      pending.add(c.client.connectAsync());
    }
    long deadline = System.nanoTime() + CONNECT_NANOS;
    for (var f : pending) {
      long left = Math.max(1, deadline - System.nanoTime());
      f.get(left, TimeUnit.NANOSECONDS);
    }
  }

  /** Round-robin over the clients until each sent its share or the deadline passed. */
  private static long send(Settings s, Sender[] senders, long deadline) {
    long limit = s.messagesPerClient() == 0 ? Long.MAX_VALUE : s.messagesPerClient();
    byte[] payload = new byte[s.size()];
    ByteBuffer header = ByteBuffer.wrap(payload);
    int idle = 0;
    while (true) {
      boolean progress = false;
      boolean allDone = true;
      for (Sender c : senders) {
        if (c.sent >= limit || c.disconnected) {
          continue;
        }
        allDone = false;
        // A few per visit, so one client does not hog the I/O thread's queue.
        for (int k = 0; k < 8 && c.sent < limit && c.unknown.get() < s.window(); k++) {
          header.putInt(0, c.index).putInt(4, (int) c.sent).putLong(8, System.nanoTime());
          c.unknown.incrementAndGet();
          if (!c.client.send(CHANNEL, payload, c)) {
            c.unknown.decrementAndGet();
            break;
          }
          c.sent++;
          progress = true;
        }
      }
      long now = System.nanoTime();
      if (allDone || now >= deadline) {
        return now;
      }
      if (progress) {
        idle = 0;
      } else if (++idle > 16) {
        Thread.yield();
      } else {
        Thread.onSpinWait();
      }
    }
  }

  /** Waits until every message's fate is known (and, in a reliable mode, all arrived). */
  private static boolean drain(
      Settings s, Sender[] senders, AtomicLong deliveredTotal, long deadline)
      throws InterruptedException {
    boolean reliable =
        s.mode() == DeliveryMode.RELIABLE_ORDERED || s.mode() == DeliveryMode.RELIABLE_UNORDERED;
    long sent = 0;
    for (Sender c : senders) {
      sent += c.sent;
    }
    while (System.nanoTime() < deadline) {
      boolean settled = true;
      long echoed = 0;
      for (Sender c : senders) {
        echoed += c.echoed.get();
        if (c.unknown.get() > 0 && !c.disconnected) {
          settled = false;
        }
      }
      if (settled && (!reliable || (deliveredTotal.get() >= sent && echoed >= sent))) {
        return true;
      }
      Thread.sleep(1); // a bounded poll of counters, not a wait for an event of known timing
    }
    return false;
  }
}
