package io.gamewire.connector;

import static io.gamewire.connector.internal.MessageSchema.*;

import io.gamewire.connector.internal.ConnectorCodec;
import io.gamewire.connector.internal.ConnectorMessage;
import io.gamewire.connector.internal.InvalidMessageException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Finds game servers on the local network: sends a padded {@code discover} query to the IPv4
 * broadcast addresses and the IPv6 group {@value LanAnnouncer#IPV6_GROUP} on the discovery port,
 * three times within the wait, and collects the {@link LanAnnouncer}s' answers that echo its nonce
 * (docs/CONNECTOR.md, section 8). Blocks for the whole wait.
 */
public final class LanDiscovery {
  /** Query size: answers are never larger than the query, so it makes room for them. */
  static final int QUERY_PAD_BYTES = 320;

  private static final SecureRandom RANDOM = new SecureRandom();

  private LanDiscovery() {}

  /** Queries the default port on every broadcast address and the IPv6 group. */
  public static List<DiscoveredServer> discover(Duration wait) throws IOException {
    return discover(wait, defaultTargets(LanAnnouncer.DEFAULT_PORT));
  }

  /** Queries {@code targets} (broadcast, multicast or unicast addresses). */
  public static List<DiscoveredServer> discover(Duration wait, List<InetSocketAddress> targets)
      throws IOException {
    if (wait.isNegative() || wait.isZero()) {
      throw new IllegalArgumentException("wait must be positive");
    }
    long nonce = RANDOM.nextLong();
    byte[] pad = new byte[QUERY_PAD_BYTES];
    RANDOM.nextBytes(pad);
    Map<String, DiscoveredServer> found = new LinkedHashMap<>();
    try (ConnectorCodec codec = new ConnectorCodec(4096);
        Selector selector = Selector.open();
        DatagramChannel v4 = DatagramChannel.open(StandardProtocolFamily.INET);
        DatagramChannel v6 = openV6()) {
      byte[] query =
          codec.encode(ConnectorMessage.of(DISCOVER).put("nonce", nonce).put("pad", pad));
      v4.setOption(StandardSocketOptions.SO_BROADCAST, true);
      v4.bind(new InetSocketAddress("0.0.0.0", 0)).configureBlocking(false);
      v4.register(selector, SelectionKey.OP_READ);
      if (v6 != null) {
        v6.configureBlocking(false);
        v6.register(selector, SelectionKey.OP_READ);
      }
      long start = System.nanoTime();
      long end = start + wait.toNanos();
      int sends = 0;
      ByteBuffer in = ByteBuffer.allocate(2048);
      while (true) {
        long now = System.nanoTime();
        if (now >= end) {
          break;
        }
        if (sends < 3 && now - start >= sends * wait.toNanos() / 4) {
          for (InetSocketAddress target : targets) {
            DatagramChannel ch = target.getAddress() instanceof Inet4Address ? v4 : v6;
            if (ch == null) {
              continue;
            }
            try {
              ch.send(ByteBuffer.wrap(query), target);
            } catch (IOException e) {
              // an interface without a route: the other targets may still work
            }
          }
          sends++;
        }
        long nextSend = sends < 3 ? start + sends * wait.toNanos() / 4 : end;
        long sleepMillis =
            Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(end, nextSend) - now));
        selector.select(sleepMillis);
        for (SelectionKey key : selector.selectedKeys()) {
          DatagramChannel ch = (DatagramChannel) key.channel();
          SocketAddress from;
          while ((from = ch.receive(in.clear())) != null) {
            DiscoveredServer s = parse(codec, in, (InetSocketAddress) from, nonce);
            if (s != null) {
              found.putIfAbsent(s.serverName() + "@" + s.address(), s);
            }
          }
        }
        selector.selectedKeys().clear();
      }
    }
    return new ArrayList<>(found.values());
  }

  private static DiscoveredServer parse(
      ConnectorCodec codec, ByteBuffer in, InetSocketAddress from, long nonce) {
    try {
      ConnectorMessage m = codec.decode(in.array(), 0, in.position());
      if (!m.type().equals(SERVER_HERE) || m.integer("nonce") != nonce) {
        return null;
      }
      return new DiscoveredServer(
          m.string("serverName"),
          new InetSocketAddress(from.getAddress(), m.port("port")),
          m.string("game"),
          (int) m.integer("players"),
          (int) m.integer("capacity"));
    } catch (InvalidMessageException e) {
      return null;
    }
  }

  private static DatagramChannel openV6() {
    try {
      DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET6);
      ch.bind(new InetSocketAddress("::", 0));
      return ch;
    } catch (IOException | UnsupportedOperationException e) {
      return null; // no IPv6 here
    }
  }

  /**
   * 255.255.255.255, each interface's IPv4 broadcast address, and the IPv6 group on each
   * multicast-capable interface, all on {@code port}.
   */
  public static List<InetSocketAddress> defaultTargets(int port) throws IOException {
    List<InetSocketAddress> targets = new ArrayList<>();
    targets.add(new InetSocketAddress(InetAddress.getByName("255.255.255.255"), port));
    byte[] group = InetAddress.getByName(LanAnnouncer.IPV6_GROUP).getAddress();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp()) {
        continue;
      }
      for (InterfaceAddress a : ni.getInterfaceAddresses()) {
        if (a.getBroadcast() != null) {
          InetSocketAddress t = new InetSocketAddress(a.getBroadcast(), port);
          if (!targets.contains(t)) {
            targets.add(t);
          }
        }
      }
      if (ni.supportsMulticast() && !ni.isLoopback()) {
        targets.add(new InetSocketAddress(Inet6Address.getByAddress(null, group, ni), port));
      }
    }
    return targets;
  }
}
