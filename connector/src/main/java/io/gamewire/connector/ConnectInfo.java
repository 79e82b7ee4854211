package io.gamewire.connector;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A connector's answer about a server: both sides' private endpoints (as each reported itself) and
 * public endpoints (as the connector saw them), plus the local address the question was asked from,
 * whose NAT mapping the join must reuse.
 */
public record ConnectInfo(
    String serverName,
    InetSocketAddress clientPrivate,
    InetSocketAddress clientPublic,
    InetSocketAddress serverPrivate,
    InetSocketAddress serverPublic,
    InetSocketAddress localAddress) {

  /**
   * The endpoints to try, in lan-caster's order: loopback at the server's private port when both
   * sides share public and private IP (same host), the server's private endpoint when they share
   * the public IP (same LAN), then the server's public endpoint. Duplicates are left out.
   */
  public List<InetSocketAddress> candidates() {
    List<InetSocketAddress> list = new ArrayList<>(3);
    InetAddress samePublic =
        clientPublic.getAddress().equals(serverPublic.getAddress())
            ? serverPublic.getAddress()
            : null;
    if (samePublic != null && clientPrivate.getAddress().equals(serverPrivate.getAddress())) {
      InetAddress loopback =
          serverPrivate.getAddress() instanceof java.net.Inet6Address ? v6Loopback() : v4Loopback();
      list.add(new InetSocketAddress(loopback, serverPrivate.getPort()));
    }
    if (samePublic != null && !list.contains(serverPrivate)) {
      list.add(serverPrivate);
    }
    if (!list.contains(serverPublic)) {
      list.add(serverPublic);
    }
    return list;
  }

  private static InetAddress v4Loopback() {
    return literal(new byte[] {127, 0, 0, 1});
  }

  private static InetAddress v6Loopback() {
    byte[] b = new byte[16];
    b[15] = 1;
    return literal(b);
  }

  private static InetAddress literal(byte[] b) {
    try {
      return InetAddress.getByAddress(b);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
