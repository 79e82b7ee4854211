package io.gamewire.cli;

import io.gamewire.connector.LanAnnouncer;
import io.gamewire.demo.TileServer;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How a tile server answers LAN discovery: the options {@code demo} and {@code game-server} share.
 */
final class LanOptions {
  @Option(
      names = "--no-lan",
      negatable = false,
      description = "Do not answer LAN discovery (on by default).")
  boolean off;

  @Option(
      names = "--lan-port",
      paramLabel = "PORT",
      defaultValue = "" + LanAnnouncer.DEFAULT_PORT,
      description = "The LAN discovery port to answer on (default ${DEFAULT-VALUE}; 0 for any).")
  int port;

  /** Fails with a one-line message for a port out of range. */
  void check() {
    if (port < 0 || port > 65535) {
      throw new CommandFailure("--lan-port must be in 0..65535, was " + port);
    }
  }

  /**
   * Unless turned off, answers LAN discovery as {@code name}; a port that cannot be bound costs a
   * line, not the server.
   */
  void announce(TileServer server, String name, PrintWriter out) {
    if (off) {
      return;
    }
    try {
      InetSocketAddress at = server.announceOnLan(name, port);
      out.printf(
          Locale.ROOT, "announced on the LAN as '%s' (discovery port %d)%n", name, at.getPort());
    } catch (UncheckedIOException e) {
      out.println("not announced on the LAN: " + e.getCause().getMessage());
    }
  }
}
