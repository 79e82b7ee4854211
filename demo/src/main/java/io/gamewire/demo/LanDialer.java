package io.gamewire.demo;

import io.gamewire.connector.DiscoveredServer;
import io.gamewire.connector.LanDiscovery;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.GameClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Joins a tile server found by LAN discovery ({@link LanDiscovery}): the one announced under a
 * given name, or without a name the first one that lists game {@value TileServer#LAN_GAME}. When
 * none matches, {@link #dial} fails with one line that lists what discovery did find.
 */
public final class LanDialer implements TileClient.Dialer {
  /** How long a dial listens for answers before it picks one. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(1);

  private final String serverName;
  private final List<InetSocketAddress> targets;
  private final Duration wait;
  private volatile DiscoveredServer chosen;

  /**
   * @param serverName the announced name to join, or null for the first tile server found
   * @param targets where to send the discovery query (see {@link #targets})
   */
  public LanDialer(String serverName, List<InetSocketAddress> targets, Duration wait) {
    this.serverName = serverName;
    this.targets = List.copyOf(targets);
    this.wait = Objects.requireNonNull(wait, "wait");
    if (this.targets.isEmpty()) {
      throw new IllegalArgumentException("LAN discovery needs at least one target address");
    }
  }

  /**
   * The broadcast addresses and IPv6 group on {@code discoveryPort} ({@link
   * LanDiscovery#defaultTargets}), plus this host's loopback address, so that a server on this host
   * is found even where broadcasts do not come back (a host without a LAN interface, say).
   */
  public static List<InetSocketAddress> targets(int discoveryPort) throws IOException {
    List<InetSocketAddress> t = new ArrayList<>(LanDiscovery.defaultTargets(discoveryPort));
    t.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), discoveryPort));
    return t;
  }

  /** The server the last dial joined, or null. */
  public DiscoveredServer chosen() {
    return chosen;
  }

  @Override
  public GameClient dial(Function<InetSocketAddress, GameClient.Builder> builders)
      throws IOException {
    List<DiscoveredServer> found = LanDiscovery.discover(wait, targets);
    List<DiscoveredServer> matches = new ArrayList<>();
    for (DiscoveredServer s : found) {
      if (TileServer.LAN_GAME.equals(s.game())
          && (serverName == null || serverName.equals(s.serverName()))) {
        matches.add(s);
      }
    }
    if (matches.isEmpty()) {
      throw new IOException(
          (serverName == null
                  ? "no tile server on the LAN"
                  : "no tile server named '" + serverName + "' on the LAN")
              + "; found "
              + listing(found));
    }
    IOException last = null;
    for (DiscoveredServer s : matches) { // one server may answer on several addresses
      try {
        GameClient client = TileClient.direct(s.address()).dial(builders);
        chosen = s;
        return client;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  private static String listing(List<DiscoveredServer> found) {
    if (found.isEmpty()) {
      return "no servers at all";
    }
    StringBuilder b = new StringBuilder();
    for (DiscoveredServer s : found) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append('\'')
          .append(printable(s.serverName()))
          .append("' (")
          .append(s.game().isEmpty() ? "no game" : printable(s.game()))
          .append(", ")
          .append(Addresses.format(s.address()))
          .append(')');
    }
    return b.toString();
  }

  /** Names come from the wire: no control characters in a message. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return b.toString();
  }

  @Override
  public String describe() {
    DiscoveredServer s = chosen;
    if (s != null) {
      return "'"
          + printable(s.serverName())
          + "' on the LAN ("
          + Addresses.format(s.address())
          + ")";
    }
    return serverName == null
        ? "the first tile server on the LAN"
        : "'" + serverName + "' on the LAN";
  }
}
