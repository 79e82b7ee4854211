package io.gamewire.testkit;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP proxy on loopback that damages traffic between clients and one server, for real-socket
 * tests on machines without netem. Clients send to {@link #address()}; the proxy forwards to the
 * upstream server and forwards the replies back, applying per direction the loss, duplication,
 * reordering and delay of a {@link Conditions}.
 *
 * <p>Like a NAT, the proxy opens one upstream-facing socket per client source address, so the
 * server sees each client as a distinct source and its replies find their way back. Sessions are
 * never expired; {@link Builder#maxSessions(int)} bounds them.
 *
 * <p>The listening socket carries every client's traffic, so it asks the kernel for a large receive
 * buffer ({@link Builder#socketBufferBytes}, default 4 MiB): with the kernel's default (about 208
 * KiB, some 90 padded handshake requests) a burst from a few hundred clients overflowed it while
 * the proxy thread waited for a core, and what the kernel drops there never shows in {@link
 * Counters}.
 *
 * <p>One thread runs a selector over every socket and a delay queue; every wait is bounded. Memory
 * is bounded: at most {@link Builder#maxQueuedDatagrams(int)} datagrams and {@link
 * Builder#maxQueuedBytes(long)} bytes wait in the queue, and what does not fit is dropped and
 * counted as overflow. Conditions can be changed while the proxy runs. {@link #close()} is
 * idempotent, stops and joins the thread and closes every socket.
 *
 * <p>Randomness comes from a seed, one stream per direction, so a given sequence of datagrams in
 * one direction meets the same fate; real sockets still interleave the directions as the scheduler
 * pleases, so the proxy is not deterministic the way {@link SimulatedNetwork} is.
 */
public final class LossyUdpProxy implements AutoCloseable {
  private static final int MAX_DATAGRAM_BYTES = 65_535;
  private static final long MAX_SELECT_WAIT_MILLIS = 100;
  private static final long CLOSE_JOIN_MILLIS = 5_000;
  private static final int MAX_RECEIVES_PER_WAKEUP = 64;

  /** Which way a datagram travels through the proxy. */
  public enum Direction {
    /** From a client through the proxy to the upstream server. */
    TO_SERVER,
    /** From the upstream server back to a client. */
    TO_CLIENT
  }

  /**
   * What the proxy does to datagrams going one way. Loss and duplication are independent per
   * datagram. Delay is {@code delay ± jitter} (uniform, clamped at zero). With probability {@code
   * reorder} a datagram is held back until the next datagram of the same client in the same
   * direction has been forwarded, or until {@code reorderHold} has passed, whichever comes first;
   * one datagram per client and direction is held at a time.
   */
  public record Conditions(
      Duration delay,
      Duration jitter,
      double loss,
      double duplication,
      double reorder,
      Duration reorderHold) {
    private static final Conditions NONE =
        new Conditions(Duration.ZERO, Duration.ZERO, 0, 0, 0, Duration.ZERO);

    public Conditions {
      Objects.requireNonNull(delay, "delay");
      Objects.requireNonNull(jitter, "jitter");
      Objects.requireNonNull(reorderHold, "reorderHold");
      if (delay.isNegative() || jitter.isNegative() || reorderHold.isNegative()) {
        throw new IllegalArgumentException("delay, jitter and reorderHold must not be negative");
      }
      for (double p : new double[] {loss, duplication, reorder}) {
        if (!(p >= 0 && p <= 1)) {
          throw new IllegalArgumentException("probabilities must be in [0, 1], got " + p);
        }
      }
    }

    /** Forward everything at once, untouched. */
    public static Conditions none() {
      return NONE;
    }

    public Conditions withDelay(Duration delay, Duration jitter) {
      return new Conditions(delay, jitter, loss, duplication, reorder, reorderHold);
    }

    public Conditions withLoss(double probability) {
      return new Conditions(delay, jitter, probability, duplication, reorder, reorderHold);
    }

    public Conditions withDuplication(double probability) {
      return new Conditions(delay, jitter, loss, probability, reorder, reorderHold);
    }

    public Conditions withReorder(double probability, Duration maxHold) {
      return new Conditions(delay, jitter, loss, duplication, probability, maxHold);
    }
  }

  /**
   * Counters for one direction. {@code received} datagrams are either {@code dropped} (loss), or
   * forwarded (with {@code duplicated} extra copies), or lost to {@code overflow} (queue full,
   * session limit, socket buffer full, send error); copies still waiting in the queue are none of
   * these yet. {@code delayed} counts copies that waited in the delay queue, {@code reordered}
   * those held back.
   */
  public record Counters(
      long received,
      long forwarded,
      long dropped,
      long duplicated,
      long delayed,
      long reordered,
      long overflow) {}

  private static final class DirectionState {
    final SplittableRandom random;
    volatile Conditions conditions;
    final AtomicLong received = new AtomicLong();
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong duplicated = new AtomicLong();
    final AtomicLong delayed = new AtomicLong();
    final AtomicLong reordered = new AtomicLong();
    final AtomicLong overflow = new AtomicLong();

    DirectionState(long seed, Conditions conditions) {
      this.random = new SplittableRandom(seed);
      this.conditions = conditions;
    }

    Counters snapshot() {
      return new Counters(
          received.get(),
          forwarded.get(),
          dropped.get(),
          duplicated.get(),
          delayed.get(),
          reordered.get(),
          overflow.get());
    }
  }

  private static final class Session {
    final InetSocketAddress client;
    final DatagramChannel upstreamChannel;
    final InetSocketAddress upstreamSource;
    final Pending[] held = new Pending[Direction.values().length];
    // Per direction: datagrams received, and datagrams (copies) handed to the kernel.
    final AtomicLong[] received = {new AtomicLong(), new AtomicLong()};
    final AtomicLong[] forwarded = {new AtomicLong(), new AtomicLong()};

    Session(InetSocketAddress client, DatagramChannel channel) throws IOException {
      this.client = client;
      this.upstreamChannel = channel;
      this.upstreamSource = (InetSocketAddress) channel.getLocalAddress();
    }
  }

  private static final class Pending {
    final Session session;
    final Direction direction;
    final byte[] bytes;
    long dueNanos;
    long order;

    Pending(Session session, Direction direction, byte[] bytes, long dueNanos, long order) {
      this.session = session;
      this.direction = direction;
      this.bytes = bytes;
      this.dueNanos = dueNanos;
      this.order = order;
    }
  }

  /** Configures a proxy in front of {@code upstream}. */
  public static Builder builder(InetSocketAddress upstream) {
    return new Builder(upstream);
  }

  /** Settings of a proxy; {@link #start()} binds and starts it. */
  public static final class Builder {
    private final InetSocketAddress upstream;
    private InetSocketAddress listen;
    private long seed = 1;
    private final Map<Direction, Conditions> conditions = new EnumMap<>(Direction.class);
    private int maxSessions = 256;
    private int maxQueuedDatagrams = 4096;
    private long maxQueuedBytes = 16L * 1024 * 1024;
    private int socketBufferBytes = 4 * 1024 * 1024;
    private java.util.function.BiConsumer<Direction, byte[]> tap;

    private Builder(InetSocketAddress upstream) {
      this.upstream = Objects.requireNonNull(upstream, "upstream");
      if (upstream.isUnresolved()) {
        throw new IllegalArgumentException("upstream address is unresolved: " + upstream);
      }
      for (Direction d : Direction.values()) {
        conditions.put(d, Conditions.none());
      }
    }

    /** Where clients send to; by default an ephemeral port on the upstream's loopback family. */
    public Builder listenOn(InetSocketAddress address) {
      this.listen = Objects.requireNonNull(address, "address");
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder conditions(Direction direction, Conditions c) {
      conditions.put(Objects.requireNonNull(direction), Objects.requireNonNull(c));
      return this;
    }

    /** The same conditions both ways. */
    public Builder conditions(Conditions c) {
      for (Direction d : Direction.values()) {
        conditions(d, c);
      }
      return this;
    }

    /** Client source addresses the proxy will track; datagrams from more are dropped. */
    public Builder maxSessions(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxSessions must be at least 1");
      }
      this.maxSessions = n;
      return this;
    }

    public Builder maxQueuedDatagrams(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxQueuedDatagrams must be at least 1");
      }
      this.maxQueuedDatagrams = n;
      return this;
    }

    public Builder maxQueuedBytes(long n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxQueuedBytes must be at least 1");
      }
      this.maxQueuedBytes = n;
      return this;
    }

    /**
     * SO_RCVBUF and SO_SNDBUF asked for the listening socket (the per-client upstream sockets ask
     * for a quarter); the kernel may grant less (net.core.rmem_max).
     */
    public Builder socketBufferBytes(int n) {
      if (n < 65_536) {
        throw new IllegalArgumentException("socketBufferBytes must be at least 65536");
      }
      this.socketBufferBytes = n;
      return this;
    }

    /**
     * Sees a copy of every datagram the proxy receives, before its fate is drawn, on the proxy
     * thread (keep it fast; a test captures datagrams to replay them).
     */
    public Builder tap(java.util.function.BiConsumer<Direction, byte[]> tap) {
      this.tap = Objects.requireNonNull(tap, "tap");
      return this;
    }

    /** Binds the listening socket and starts the proxy thread. */
    public LossyUdpProxy start() throws IOException {
      return new LossyUdpProxy(this);
    }
  }

  private final InetSocketAddress upstream;
  private final long seed;
  private final int maxSessions;
  private final int maxQueuedDatagrams;
  private final long maxQueuedBytes;
  private final int socketBufferBytes;
  private final java.util.function.BiConsumer<Direction, byte[]> tap;
  private final Selector selector;
  private final DatagramChannel listenChannel;
  private final InetSocketAddress address;
  private final InetSocketAddress upstreamBind;
  private final Map<Direction, DirectionState> directions = new EnumMap<>(Direction.class);
  private final Map<InetSocketAddress, Session> sessions = new ConcurrentHashMap<>();
  private final PriorityQueue<Pending> queue =
      new PriorityQueue<>(
          (a, b) ->
              a.dueNanos != b.dueNanos
                  ? Long.compare(a.dueNanos, b.dueNanos)
                  : Long.compare(a.order, b.order));
  private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM_BYTES);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong ioErrors = new AtomicLong();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile Throwable failure;
  private long queuedBytes;
  private long nextOrder;

  private LossyUdpProxy(Builder b) throws IOException {
    this.upstream = b.upstream;
    this.seed = b.seed;
    this.maxSessions = b.maxSessions;
    this.maxQueuedDatagrams = b.maxQueuedDatagrams;
    this.maxQueuedBytes = b.maxQueuedBytes;
    this.socketBufferBytes = b.socketBufferBytes;
    this.tap = b.tap;
    SplittableRandom seeds = new SplittableRandom(seed);
    for (Direction d : Direction.values()) {
      directions.put(d, new DirectionState(seeds.nextLong(), b.conditions.get(d)));
    }
    InetAddress upstreamIp = upstream.getAddress();
    InetAddress loopback = loopbackLike(upstreamIp);
    this.upstreamBind =
        new InetSocketAddress(upstreamIp.isLoopbackAddress() ? loopback : anyLike(upstreamIp), 0);
    InetSocketAddress listenOn = b.listen != null ? b.listen : new InetSocketAddress(loopback, 0);

    Selector sel = Selector.open();
    DatagramChannel listen = null;
    try {
      listen = DatagramChannel.open(familyOf(listenOn.getAddress()));
      listen.setOption(StandardSocketOptions.SO_RCVBUF, b.socketBufferBytes);
      listen.setOption(StandardSocketOptions.SO_SNDBUF, b.socketBufferBytes);
      listen.bind(listenOn);
      listen.configureBlocking(false);
      listen.register(sel, SelectionKey.OP_READ, null);
    } catch (IOException | RuntimeException e) {
      if (listen != null) {
        listen.close();
      }
      sel.close();
      throw e;
    }
    this.selector = sel;
    this.listenChannel = listen;
    this.address = (InetSocketAddress) listen.getLocalAddress();
    this.thread = new Thread(this::run, "gamewire-lossy-udp-proxy-" + address.getPort());
    thread.setDaemon(true);
    thread.start();
  }

  /** Where clients send to. */
  public InetSocketAddress address() {
    return address;
  }

  public InetSocketAddress upstream() {
    return upstream;
  }

  public long seed() {
    return seed;
  }

  public Conditions conditions(Direction direction) {
    return directions.get(direction).conditions;
  }

  /** Changes the conditions for datagrams received from now on. */
  public void setConditions(Direction direction, Conditions c) {
    directions.get(Objects.requireNonNull(direction)).conditions = Objects.requireNonNull(c);
  }

  public Counters counters(Direction direction) {
    return directions.get(direction).snapshot();
  }

  /** Client source addresses seen so far. */
  public int sessionCount() {
    return sessions.size();
  }

  /** The source address the server sees for {@code client}, or {@code null} if it never sent. */
  public InetSocketAddress upstreamSourceFor(InetSocketAddress client) {
    Session s = sessions.get(client);
    return s == null ? null : s.upstreamSource;
  }

  /**
   * For one client: datagrams the proxy received and forwarded in {@code direction}, as {@code
   * {received, forwarded}}; null if the client never sent. Tells a test where one client's traffic
   * went missing.
   */
  public long[] sessionCounts(InetSocketAddress client, Direction direction) {
    Session s = sessions.get(client);
    int i = direction.ordinal();
    return s == null ? null : new long[] {s.received[i].get(), s.forwarded[i].get()};
  }

  /** Receive and send errors the proxy swallowed (for example ICMP port unreachable). */
  public long ioErrors() {
    return ioErrors.get();
  }

  /** Whether the proxy thread is still running. */
  public boolean isRunning() {
    return thread.isAlive();
  }

  /** What stopped the proxy thread unexpectedly, or {@code null}. */
  public Throwable failure() {
    return failure;
  }

  /** Stops the thread, waits for it (bounded) and closes every socket. Safe to call again. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stopping = true;
    selector.wakeup();
    boolean interrupted = false;
    try {
      thread.join(CLOSE_JOIN_MILLIS);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    closeSockets();
    if (!interrupted && thread.isAlive()) {
      try {
        thread.join(CLOSE_JOIN_MILLIS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      throw new IllegalStateException(
          "proxy thread " + thread.getName() + " did not stop; its sockets are closed");
    }
  }

  private void run() {
    try {
      while (!stopping) {
        releaseDue(System.nanoTime());
        selector.select(waitMillis(System.nanoTime()));
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isValid() && key.isReadable()) {
            drain(key);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (ClosedSelectorException e) {
      // close() gave up waiting and closed the selector under us; nothing left to do.
    } catch (Throwable t) {
      failure = t;
    } finally {
      closeSockets();
    }
  }

  private long waitMillis(long now) {
    Pending head = queue.peek();
    if (head == null) {
      return MAX_SELECT_WAIT_MILLIS;
    }
    long nanos = head.dueNanos - now;
    if (nanos <= 0) {
      return 1;
    }
    return Math.max(1, Math.min(MAX_SELECT_WAIT_MILLIS, (nanos + 999_999) / 1_000_000));
  }

  private void drain(SelectionKey key) {
    DatagramChannel channel = (DatagramChannel) key.channel();
    Session from = (Session) key.attachment();
    for (int i = 0; i < MAX_RECEIVES_PER_WAKEUP; i++) {
      receiveBuffer.clear();
      SocketAddress source;
      try {
        source = channel.receive(receiveBuffer);
      } catch (IOException e) {
        ioErrors.incrementAndGet();
        return;
      }
      if (source == null) {
        return;
      }
      receiveBuffer.flip();
      byte[] bytes = new byte[receiveBuffer.remaining()];
      receiveBuffer.get(bytes);
      long now = System.nanoTime();
      if (from == null) {
        InetSocketAddress client = (InetSocketAddress) source;
        Session session = sessions.get(client);
        if (session == null) {
          session = openSession(client);
          if (session == null) {
            DirectionState d = directions.get(Direction.TO_SERVER);
            d.received.incrementAndGet();
            d.overflow.incrementAndGet();
            continue;
          }
        }
        accept(session, Direction.TO_SERVER, bytes, now);
      } else {
        accept(from, Direction.TO_CLIENT, bytes, now);
      }
    }
  }

  private Session openSession(InetSocketAddress client) {
    if (sessions.size() >= maxSessions) {
      return null;
    }
    DatagramChannel ch;
    try {
      ch = DatagramChannel.open(familyOf(upstream.getAddress()));
    } catch (IOException e) {
      ioErrors.incrementAndGet();
      return null;
    }
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, Math.max(65_536, socketBufferBytes / 4));
      ch.setOption(StandardSocketOptions.SO_SNDBUF, Math.max(65_536, socketBufferBytes / 4));
      ch.bind(upstreamBind);
      ch.connect(upstream);
      ch.configureBlocking(false);
      Session s = new Session(client, ch);
      ch.register(selector, SelectionKey.OP_READ, s);
      sessions.put(client, s);
      return s;
    } catch (IOException | RuntimeException e) {
      ioErrors.incrementAndGet();
      try {
        ch.close();
      } catch (IOException ignored) {
        ioErrors.incrementAndGet();
      }
      return null;
    }
  }

  private void accept(Session session, Direction direction, byte[] bytes, long now) {
    DirectionState d = directions.get(direction);
    Conditions c = d.conditions;
    SplittableRandom r = d.random;
    // A fixed number of draws per datagram, whatever the conditions.
    double lossRoll = r.nextDouble();
    double duplicateRoll = r.nextDouble();
    double reorderRoll = r.nextDouble();
    double[] jitterRoll = {r.nextDouble(), r.nextDouble()};
    d.received.incrementAndGet();
    session.received[direction.ordinal()].incrementAndGet();
    if (tap != null) {
      tap.accept(direction, bytes.clone());
    }
    if (lossRoll < c.loss()) {
      d.dropped.incrementAndGet();
      return;
    }
    int copies = duplicateRoll < c.duplication() ? 2 : 1;
    d.duplicated.addAndGet(copies - 1);
    int slot = direction.ordinal();
    Pending wasHeld = session.held[slot];
    boolean hold = wasHeld == null && reorderRoll < c.reorder();
    long delay = c.delay().toNanos();
    long jitter = c.jitter().toNanos();
    long lastDue = now;
    for (int i = 0; i < copies; i++) {
      long due = now + delay;
      if (jitter > 0) {
        due += Math.round((2 * jitterRoll[i] - 1) * jitter);
      }
      due = Math.max(now, due);
      if (i == 0 && hold) {
        Pending p = enqueue(session, direction, bytes, due + c.reorderHold().toNanos());
        if (p != null) {
          session.held[slot] = p;
          d.reordered.incrementAndGet();
        }
        continue;
      }
      lastDue = Math.max(lastDue, due);
      Pending head = queue.peek();
      if (due <= now && (head == null || head.dueNanos > now)) {
        send(session, direction, bytes);
      } else {
        enqueue(session, direction, bytes, due);
      }
    }
    if (wasHeld != null) {
      // The next datagram has gone (or is queued): the held one follows it.
      session.held[slot] = null;
      if (queue.remove(wasHeld)) {
        wasHeld.dueNanos = lastDue;
        wasHeld.order = nextOrder++;
        queue.add(wasHeld);
      }
      releaseDue(now);
    }
  }

  private Pending enqueue(Session session, Direction direction, byte[] bytes, long due) {
    DirectionState d = directions.get(direction);
    if (queue.size() >= maxQueuedDatagrams || queuedBytes + bytes.length > maxQueuedBytes) {
      d.overflow.incrementAndGet();
      return null;
    }
    Pending p = new Pending(session, direction, bytes, due, nextOrder++);
    queue.add(p);
    queuedBytes += bytes.length;
    d.delayed.incrementAndGet();
    return p;
  }

  private void releaseDue(long now) {
    Pending p;
    while ((p = queue.peek()) != null && p.dueNanos <= now) {
      queue.poll();
      queuedBytes -= p.bytes.length;
      int slot = p.direction.ordinal();
      if (p.session.held[slot] == p) {
        p.session.held[slot] = null;
      }
      send(p.session, p.direction, p.bytes);
    }
  }

  private void send(Session session, Direction direction, byte[] bytes) {
    DirectionState d = directions.get(direction);
    try {
      int n =
          direction == Direction.TO_SERVER
              ? session.upstreamChannel.write(ByteBuffer.wrap(bytes))
              : listenChannel.send(ByteBuffer.wrap(bytes), session.client);
      if (n == 0 && bytes.length > 0) {
        d.overflow.incrementAndGet();
      } else {
        d.forwarded.incrementAndGet();
        session.forwarded[direction.ordinal()].incrementAndGet();
      }
    } catch (IOException e) {
      ioErrors.incrementAndGet();
      d.overflow.incrementAndGet();
    }
  }

  private void closeSockets() {
    List<DatagramChannel> channels = new ArrayList<>();
    channels.add(listenChannel);
    for (Session s : sessions.values()) {
      channels.add(s.upstreamChannel);
    }
    for (DatagramChannel ch : channels) {
      try {
        ch.close();
      } catch (IOException e) {
        ioErrors.incrementAndGet();
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      ioErrors.incrementAndGet();
    }
  }

  private static ProtocolFamily familyOf(InetAddress ip) {
    return ip instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
  }

  private static InetAddress loopbackLike(InetAddress ip) throws IOException {
    return InetAddress.getByName(ip instanceof Inet6Address ? "::1" : "127.0.0.1");
  }

  private static InetAddress anyLike(InetAddress ip) throws IOException {
    return InetAddress.getByName(ip instanceof Inet6Address ? "::" : "0.0.0.0");
  }

  @Override
  public String toString() {
    return "LossyUdpProxy{" + address + " -> " + upstream + ", seed=" + seed + "}";
  }
}
