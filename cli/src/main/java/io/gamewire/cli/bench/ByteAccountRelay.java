package io.gamewire.cli.bench;

import io.gamewire.protocol.realtime.MessageFormat;
import io.gamewire.protocol.realtime.PacketKind;
import io.gamewire.protocol.realtime.RealtimeHeader;
import io.gamewire.protocol.state.NativeStateFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A UDP relay between N clients and one server on loopback that sorts every byte it forwards into
 * where it goes (docs/STATE-SYNC.md, "Where the bytes go"): per direction, the realtime header,
 * ack-delay bytes, packets that carry only acks, message record headers, the UPDATE header, the
 * state delta, events (first sends and resends apart) and the rest (handshake, disconnect).
 *
 * <p>Client {@code i} talks to {@link #front(int)}; the relay talks to the server from a socket of
 * its own per client, so the server still sees N addresses. It parses with the library's own
 * readers and never changes a byte. Counting runs only while {@link #counting} is set. One thread;
 * loopback only.
 */
final class ByteAccountRelay implements AutoCloseable {
  private static final int UP = 0;
  private static final int DOWN = 1;

  // Counter slots, per direction.
  private static final int PACKETS = 0;
  private static final int BYTES = 1;
  private static final int HEADER = 2;
  private static final int ACK_DELAY = 3;
  private static final int ACK_ONLY_PACKETS = 4;
  private static final int ACK_ONLY_BYTES = 5;
  private static final int RECORD_HEADERS = 6;
  private static final int UPDATE_HEADERS = 7;
  private static final int DELTAS = 8;
  private static final int UPDATES = 9;
  private static final int EVENTS = 10;
  private static final int EVENT_BYTES = 11;
  private static final int RESENT_EVENTS = 12;
  private static final int RESENT_EVENT_BYTES = 13;
  private static final int OTHER_BYTES = 14;
  private static final int PAYLOAD_PACKETS = 15;
  private static final int SLOTS = 16;

  final AtomicBoolean counting = new AtomicBoolean();
  private final long[][] counters = new long[2][SLOTS];
  private final List<Set<Integer>> seenEvents = new ArrayList<>(); // per client and direction
  private final Selector selector;
  private final DatagramChannel[] fronts;
  private final DatagramChannel[] backs;
  private final SocketAddress[] clients;
  private final Thread thread;
  private final MessageFormat.Cursor cursor = new MessageFormat.Cursor();
  private volatile boolean closed;

  ByteAccountRelay(InetSocketAddress server, int n) throws IOException {
    selector = Selector.open();
    fronts = new DatagramChannel[n];
    backs = new DatagramChannel[n];
    clients = new SocketAddress[n];
    for (int i = 0; i < n; i++) {
      fronts[i] = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      backs[i] = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      backs[i].connect(new InetSocketAddress("127.0.0.1", server.getPort()));
      fronts[i].configureBlocking(false).register(selector, SelectionKey.OP_READ, i);
      backs[i].configureBlocking(false).register(selector, SelectionKey.OP_READ, ~i);
      seenEvents.add(new HashSet<>());
      seenEvents.add(new HashSet<>());
    }
    thread = new Thread(this::loop, "bench-state-relay");
    thread.setDaemon(true);
    thread.start();
  }

  /** The address client {@code i} connects to. */
  InetSocketAddress front(int i) throws IOException {
    return (InetSocketAddress) fronts[i].getLocalAddress();
  }

  private void loop() {
    ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
    try {
      while (!closed) {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          int tag = (Integer) key.attachment();
          DatagramChannel ch = (DatagramChannel) key.channel();
          while (true) {
            buf.clear();
            SocketAddress from = ch.receive(buf);
            if (from == null) {
              break;
            }
            buf.flip();
            if (tag >= 0) {
              clients[tag] = from;
              tally(UP, tag, buf);
              backs[tag].write(buf);
            } else if (clients[~tag] != null) {
              tally(DOWN, ~tag, buf);
              fronts[~tag].send(buf, clients[~tag]);
            }
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      if (!closed) {
        throw new IllegalStateException("the accounting relay failed", e);
      }
    }
  }

  private void tally(int dir, int client, ByteBuffer nio) {
    if (!counting.get()) {
      return;
    }
    long[] c = counters[dir];
    ByteBuf d = Unpooled.wrappedBuffer(nio.duplicate());
    int n = d.readableBytes();
    c[PACKETS]++;
    c[BYTES] += n;
    PacketKind kind = RealtimeHeader.isRealtime(d) ? RealtimeHeader.kind(d) : null;
    if (kind != PacketKind.PAYLOAD && kind != PacketKind.KEEPALIVE) {
      c[OTHER_BYTES] += n;
      return;
    }
    if (kind == PacketKind.KEEPALIVE) {
      // Acks owed and idle keepalives look the same on the wire; in the chase both ends send
      // all the time, so these are the acks.
      c[ACK_ONLY_PACKETS]++;
      c[ACK_ONLY_BYTES] += n;
      return;
    }
    int header = RealtimeHeader.bytes(RealtimeHeader.flags(d));
    c[HEADER] += RealtimeHeader.BYTES;
    c[ACK_DELAY] += header - RealtimeHeader.BYTES;
    c[PAYLOAD_PACKETS]++;
    ByteBuf body = d.slice(header, n - header);
    cursor.reset(body);
    int records = 0;
    while (cursor.next()) {
      records++;
      int len = cursor.bodyLength();
      ByteBuf m = cursor.body();
      int recordEnd = cursor.bodyOffset() + len;
      // The record header is what precedes the body since the previous record ended.
      c[RECORD_HEADERS] += recordEnd - len - previousEnd;
      previousEnd = recordEnd;
      int msgKind = m.isReadable() ? m.getUnsignedByte(m.readerIndex()) : -1;
      if (cursor.channel() == NativeStateFormat.STATE_CHANNEL
          && msgKind == NativeStateFormat.UPDATE) {
        int h = updateHeaderBytes(m);
        c[UPDATES]++;
        c[UPDATE_HEADERS] += h;
        c[DELTAS] += len - h;
      } else if (cursor.channel() == NativeStateFormat.EVENT_CHANNEL) {
        int key =
            cursor.messageId() << 8 | (cursor.isFragment() ? cursor.fragmentIndex() & 0xff : 0);
        if (seenEvents.get(2 * client + dir).add(key)) {
          c[EVENTS]++;
          c[EVENT_BYTES] += len;
        } else {
          c[RESENT_EVENTS]++;
          c[RESENT_EVENT_BYTES] += len;
        }
      } else {
        c[OTHER_BYTES] += len;
      }
    }
    previousEnd = 0;
  }

  private int previousEnd;

  /** Kind, u16 time order and the varint steps back (docs/STATE-SYNC.md), or all of a short one. */
  private static int updateHeaderBytes(ByteBuf m) {
    int n = m.readableBytes();
    int i = 3;
    while (i < n && i < 6 && (m.getUnsignedByte(m.readerIndex() + i) & 0x80) != 0) {
      i++;
    }
    return Math.min(n, i + 1);
  }

  /** Per second and client, by direction ("down": server to client). */
  Map<String, Object> perSecondPerClient(double seconds, int n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("down", direction(counters[DOWN], seconds, n));
    m.put("up", direction(counters[UP], seconds, n));
    return m;
  }

  private static Map<String, Object> direction(long[] c, double seconds, int n) {
    double k = 1.0 / seconds / n;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("packets", round(c[PACKETS] * k));
    m.put("bytes", round(c[BYTES] * k));
    m.put("payloadPackets", round(c[PAYLOAD_PACKETS] * k));
    m.put("headerBytes", round(c[HEADER] * k));
    m.put("ackDelayBytes", round(c[ACK_DELAY] * k));
    m.put("ackOnlyPackets", round(c[ACK_ONLY_PACKETS] * k));
    m.put("ackOnlyBytes", round(c[ACK_ONLY_BYTES] * k));
    m.put("recordHeaderBytes", round(c[RECORD_HEADERS] * k));
    m.put("updates", round(c[UPDATES] * k));
    m.put("updateHeaderBytes", round(c[UPDATE_HEADERS] * k));
    m.put("deltaBytes", round(c[DELTAS] * k));
    m.put("deltaBytesPerUpdate", c[UPDATES] == 0 ? null : round((double) c[DELTAS] / c[UPDATES]));
    m.put("events", round(c[EVENTS] * k));
    m.put("eventBytes", round(c[EVENT_BYTES] * k));
    m.put("resentEvents", round(c[RESENT_EVENTS] * k));
    m.put("resentEventBytes", round(c[RESENT_EVENT_BYTES] * k));
    m.put("otherBytes", round(c[OTHER_BYTES] * k));
    long sum = 0;
    for (int s :
        new int[] {
          HEADER,
          ACK_DELAY,
          ACK_ONLY_BYTES,
          RECORD_HEADERS,
          UPDATE_HEADERS,
          DELTAS,
          EVENT_BYTES,
          RESENT_EVENT_BYTES,
          OTHER_BYTES
        }) {
      sum += c[s];
    }
    m.put("unaccountedBytes", round((c[BYTES] - sum) * k)); // 0 when every byte has a place
    return m;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      for (int i = 0; i < fronts.length; i++) {
        fronts[i].close();
        backs[i].close();
      }
      selector.close();
    } catch (IOException e) {
      // closing loopback sockets; nothing to recover
    }
  }
}
