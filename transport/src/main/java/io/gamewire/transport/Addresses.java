package io.gamewire.transport;

import java.net.InetSocketAddress;

/**
 * Parses the addresses the command line and builders take: {@code host}, {@code host:port}, {@code
 * [v6addr]:port}, {@code [v6addr]} or a bare IPv6 address, with a default port when none is given.
 */
public final class Addresses {
  private Addresses() {}

  /**
   * Parses {@code text} without resolving it.
   *
   * @throws IllegalArgumentException with a sentence on what is wrong
   */
  public static InetSocketAddress parse(String text, int defaultPort) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the address is empty; give host:port");
    }
    String s = text.trim();
    String host;
    String port = null;
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      if (end < 0) {
        throw new IllegalArgumentException("address '" + text + "' opens '[' but never closes it");
      }
      host = s.substring(1, end);
      String rest = s.substring(end + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException(
              "address '" + text + "' has '" + rest + "' after ']'; expected :port");
        }
        port = rest.substring(1);
      }
    } else {
      int first = s.indexOf(':');
      int last = s.lastIndexOf(':');
      if (first >= 0 && first == last) {
        host = s.substring(0, first);
        port = s.substring(first + 1);
      } else {
        host = s; // no colon, or a bare IPv6 address without a port
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("address '" + text + "' has no host");
    }
    int p = defaultPort;
    if (port != null) {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("port '" + port + "' in '" + text + "' is not a number");
      }
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("port " + p + " in '" + text + "' is outside 0..65535");
    }
    return InetSocketAddress.createUnresolved(host, p);
  }

  /** Parses and resolves {@code text}; an unknown host is an {@link IllegalArgumentException}. */
  public static InetSocketAddress resolve(String text, int defaultPort) {
    InetSocketAddress a = parse(text, defaultPort);
    InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
    if (resolved.isUnresolved()) {
      throw new IllegalArgumentException("unknown host '" + a.getHostString() + "'");
    }
    return resolved;
  }

  /** Formats an address as {@code host:port} or {@code [v6]:port}. */
  public static String format(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
