package io.gamewire.testkit;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A deterministic datagram network between endpoints named by {@link InetSocketAddress}, for
 * testing sans-I/O protocol code without sockets, threads or sleeping. Time is a {@link FakeClock};
 * what each direction of each link does to a datagram (latency, jitter, loss, duplication,
 * reordering, MTU, bandwidth, blackouts) is a {@link LinkConditions}.
 *
 * <p>Determinism: the same seed and the same sequence of calls at the same fake times give the same
 * deliveries, drops and statistics. Each direction draws from its own random stream, derived from
 * the seed and the two addresses, and every send draws the same number of values whatever the
 * conditions; so traffic on one link never changes what happens on another, and changing one
 * probability does not reshuffle the other decisions. Deliveries due at the same nanosecond come
 * out in the order they were scheduled.
 *
 * <p>Seeds: {@link #SimulatedNetwork(FakeClock, long)} always uses the seed it is given, so a test
 * can assert exact figures. {@link #SimulatedNetwork(FakeClock)} takes {@code -Dgamewire.seed=…}
 * when it is set and a fresh random seed otherwise, which widens coverage from run to run; either
 * way the seed is noted for {@link SeedReporter}, which prints it when the test fails, and it can
 * be replayed by running the test again with {@code -Dgamewire.seed=<seed>}.
 *
 * <p>Not thread-safe: one test thread drives it, usually through {@link Drive}.
 */
public final class SimulatedNetwork {
  private final FakeClock clock;
  private final long seed;
  private final Map<Link, LinkConditions> conditions = new HashMap<>();
  private final Map<Link, LinkState> links = new LinkedHashMap<>();
  private final PriorityQueue<InFlight> inFlight =
      new PriorityQueue<>(
          (a, b) ->
              a.arrivalNanos != b.arrivalNanos
                  ? Long.compare(a.arrivalNanos, b.arrivalNanos)
                  : Long.compare(a.order, b.order));
  private LinkConditions defaultConditions = LinkConditions.ideal();
  private long nextOrder;

  private record Link(InetSocketAddress from, InetSocketAddress to) {}

  private static final class InFlight {
    final Link link;
    final LinkState state;
    final byte[] bytes;
    final long sentAtNanos;
    final long arrivalNanos;
    final long sendIndex;
    final long order;

    InFlight(
        Link link,
        LinkState state,
        byte[] bytes,
        long sentAtNanos,
        long arrivalNanos,
        long sendIndex,
        long order) {
      this.link = link;
      this.state = state;
      this.bytes = bytes;
      this.sentAtNanos = sentAtNanos;
      this.arrivalNanos = arrivalNanos;
      this.sendIndex = sendIndex;
      this.order = order;
    }
  }

  private static final class LinkState {
    final SplittableRandom random;
    long busyUntilNanos = Long.MIN_VALUE;
    long nextSendIndex;
    long highestDeliveredSendIndex = -1;
    long sent;
    long delivered;
    long duplicated;
    long reorderDelayed;
    long reordered;
    long droppedLoss;
    long droppedMtu;
    long droppedQueue;
    long droppedBlackout;
    long bytesSent;
    long bytesDelivered;

    LinkState(SplittableRandom random) {
      this.random = random;
    }

    LinkStats snapshot() {
      return new LinkStats(
          sent,
          delivered,
          duplicated,
          reorderDelayed,
          reordered,
          droppedLoss,
          droppedMtu,
          droppedQueue,
          droppedBlackout,
          bytesSent,
          bytesDelivered);
    }
  }

  /** A network whose randomness comes from {@code seed}, always. */
  public SimulatedNetwork(FakeClock clock, long seed) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.seed = seed;
    SeedRegistry.note("SimulatedNetwork seed=" + seed);
  }

  /** A network seeded from {@code -Dgamewire.seed} if set, else from a fresh random seed. */
  public SimulatedNetwork(FakeClock clock) {
    this(clock, SeedRegistry.seedFromPropertyOrRandom());
  }

  public long seed() {
    return seed;
  }

  public FakeClock clock() {
    return clock;
  }

  /** Conditions for every direction that has none of its own. */
  public SimulatedNetwork setDefaultConditions(LinkConditions c) {
    defaultConditions = Objects.requireNonNull(c, "conditions");
    return this;
  }

  /** Conditions for datagrams from {@code from} to {@code to} (one direction only). */
  public SimulatedNetwork setConditions(
      InetSocketAddress from, InetSocketAddress to, LinkConditions c) {
    conditions.put(new Link(from, to), Objects.requireNonNull(c, "conditions"));
    return this;
  }

  /** The same conditions in both directions between {@code a} and {@code b}. */
  public SimulatedNetwork setConditionsBothWays(
      InetSocketAddress a, InetSocketAddress b, LinkConditions c) {
    setConditions(a, b, c);
    return setConditions(b, a, c);
  }

  public LinkConditions conditions(InetSocketAddress from, InetSocketAddress to) {
    return conditions.getOrDefault(new Link(from, to), defaultConditions);
  }

  /**
   * Hands a datagram to the network at the clock's current time. The bytes are copied; the network
   * decides at once whether it is dropped and when each copy arrives.
   */
  public void send(InetSocketAddress from, InetSocketAddress to, byte[] datagram) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(datagram, "datagram");
    long now = clock.nanos();
    Link link = new Link(from, to);
    LinkState state = state(link);
    LinkConditions c = conditions(from, to);
    SplittableRandom r = state.random;
    // A fixed number of draws per send, whatever happens to the datagram below.
    double lossRoll = r.nextDouble();
    double duplicateRoll = r.nextDouble();
    double[] jitterRoll = {r.nextDouble(), r.nextDouble()};
    double[] reorderRoll = {r.nextDouble(), r.nextDouble()};
    double[] reorderAmountRoll = {r.nextDouble(), r.nextDouble()};

    long sendIndex = state.nextSendIndex++;
    state.sent++;
    state.bytesSent += datagram.length;
    if (c.blackedOutAt(now)) {
      state.droppedBlackout++;
      return;
    }
    if (datagram.length > c.mtuBytes()) {
      state.droppedMtu++;
      return;
    }
    if (lossRoll < c.loss()) {
      state.droppedLoss++;
      return;
    }
    long departure = now;
    long bandwidth = c.bandwidthBytesPerSecond();
    if (bandwidth > 0) {
      long backlogNanos = state.busyUntilNanos > now ? state.busyUntilNanos - now : 0;
      long backlogBytes = (long) Math.ceil(backlogNanos * (double) bandwidth / 1e9);
      if (backlogBytes + datagram.length > c.queueLimitBytes()) {
        state.droppedQueue++;
        return;
      }
      long transmitNanos = (long) Math.ceil(datagram.length * 1e9 / bandwidth);
      departure = Math.max(now, state.busyUntilNanos) + transmitNanos;
      state.busyUntilNanos = departure;
    }
    int copies = duplicateRoll < c.duplication() ? 2 : 1;
    state.duplicated += copies - 1;
    long latency = c.latency().toNanos();
    long jitter = c.jitter().toNanos();
    long reorderDelay = c.reorderDelay().toNanos();
    for (int i = 0; i < copies; i++) {
      long delay = latency;
      if (jitter > 0) {
        delay += Math.round((2 * jitterRoll[i] - 1) * jitter);
      }
      delay = Math.max(0, delay);
      if (reorderRoll[i] < c.reorder()) {
        delay += 1 + (long) (reorderAmountRoll[i] * reorderDelay);
        state.reorderDelayed++;
      }
      byte[] copy = datagram.clone();
      inFlight.add(new InFlight(link, state, copy, now, departure + delay, sendIndex, nextOrder++));
    }
  }

  /**
   * The next datagram whose arrival time has come ({@code <= clock.nanos()}), or {@code null}.
   * Datagrams that would land in a blackout of their link's current conditions are dropped here.
   */
  public Delivery pollArrival() {
    long now = clock.nanos();
    while (!inFlight.isEmpty() && inFlight.peek().arrivalNanos <= now) {
      InFlight f = inFlight.poll();
      LinkState state = f.state;
      if (conditions(f.link.from, f.link.to).blackedOutAt(f.arrivalNanos)) {
        state.droppedBlackout++;
        continue;
      }
      state.delivered++;
      state.bytesDelivered += f.bytes.length;
      if (f.sendIndex < state.highestDeliveredSendIndex) {
        state.reordered++;
      } else {
        state.highestDeliveredSendIndex = f.sendIndex;
      }
      return new Delivery(f.link.from, f.link.to, f.bytes, f.sentAtNanos, f.arrivalNanos);
    }
    return null;
  }

  /** When the next datagram arrives, or {@link Long#MAX_VALUE} if none is in flight. */
  public long nextArrivalNanos() {
    InFlight f = inFlight.peek();
    return f == null ? Long.MAX_VALUE : f.arrivalNanos;
  }

  /** Datagrams (copies included) scheduled to arrive and not yet polled. */
  public int inFlight() {
    return inFlight.size();
  }

  /** Counters for the direction {@code from → to}. */
  public LinkStats stats(InetSocketAddress from, InetSocketAddress to) {
    LinkState s = links.get(new Link(from, to));
    return s == null ? LinkStats.EMPTY : s.snapshot();
  }

  /** Counters summed over every direction that has carried traffic. */
  public LinkStats totalStats() {
    LinkStats total = LinkStats.EMPTY;
    for (LinkState s : links.values()) {
      total = total.plus(s.snapshot());
    }
    return total;
  }

  @Override
  public String toString() {
    return "SimulatedNetwork{seed="
        + seed
        + ", now="
        + clock.nanos()
        + "ns, inFlight="
        + inFlight.size()
        + "}";
  }

  private LinkState state(Link link) {
    return links.computeIfAbsent(
        link, l -> new LinkState(new SplittableRandom(mix(seed ^ mix(linkHash(l))))));
  }

  private static long linkHash(Link l) {
    return addressHash(l.from) * 0x9E3779B97F4A7C15L + addressHash(l.to);
  }

  /** A hash that depends only on the address bytes (or unresolved name) and port. */
  private static long addressHash(InetSocketAddress a) {
    long h = a.getPort();
    InetAddress ip = a.getAddress();
    if (ip != null) {
      for (byte b : ip.getAddress()) {
        h = h * 31 + (b & 0xff);
      }
    } else {
      String name = a.getHostString();
      for (int i = 0; i < name.length(); i++) {
        h = h * 31 + name.charAt(i);
      }
    }
    return h;
  }

  /** The finaliser of SplitMix64: spreads nearby inputs over the whole range. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
