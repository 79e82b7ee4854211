package io.gamewire.connector;

import io.gamewire.protocol.realtime.HandshakeConfig;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.RealtimeClient;
import io.gamewire.transport.RealtimeServer;
import io.gamewire.transport.RealtimeServerListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One host of {@link NatPunchThroughTest}, run as a child JVM inside a network namespace. Prints
 * one line per milestone on standard output; lives until its standard input closes.
 *
 * <pre>
 * connector BIND                     READY addr
 * server NAME CONNECTOR PUNCHES      REGISTERED addr, then CLIENT addr per join
 * client NAME CONNECTOR              JOINED addr | FAILED step message   (then exits)
 * announce NAME GAMEPORT             ANNOUNCING addr
 * discover                           FOUND name addr per answer, then DONE  (then exits)
 * flood NAME CONNECTOR COUNT         SENT count bytes                       (then exits)
 * (connector reads "stats" lines:    STATS bytesIn bytesOut received sent heapBytesAfterGc)
 * </pre>
 */
public final class NatPeer {
  private NatPeer() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "connector" -> {
        try (Connector c = Connector.builder().bind(args[1]).build().start()) {
          say("READY " + Addresses.format(c.localAddress()));
          java.io.BufferedReader in =
              new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
          String line;
          while ((line = in.readLine()) != null) {
            if (line.equals("stats")) {
              ConnectorStats st = c.stats();
              say(
                  "STATS "
                      + st.bytesIn()
                      + " "
                      + st.bytesOut()
                      + " "
                      + st.received()
                      + " "
                      + st.sent()
                      + " "
                      + heapAfterGc());
            }
          }
        }
      }
      case "server" -> {
        InetSocketAddress connector = Addresses.resolve(args[2], Connector.DEFAULT_PORT);
        ConnectorRegistration registration =
            ConnectorRegistration.builder(args[1], connector)
                .punches(Integer.parseInt(args[3]), Duration.ofMillis(200))
                .build();
        try (RealtimeServer server =
            RealtimeServer.builder()
                .bind("0.0.0.0:0")
                .sideProtocol(registration)
                .listener(
                    new RealtimeServerListener() {
                      @Override
                      public void onConnected(int clientId, InetSocketAddress address) {
                        say("CLIENT " + Addresses.format(address));
                      }
                    })
                .build()
                .start()) {
          registration.registered().get(20, TimeUnit.SECONDS);
          say("REGISTERED " + Addresses.format(server.localAddress()));
          waitForStdinToClose();
        }
      }
      case "client" -> {
        InetSocketAddress connector = Addresses.resolve(args[2], Connector.DEFAULT_PORT);
        HandshakeConfig handshake =
            HandshakeConfig.defaults().withConnectTimeoutNanos(TimeUnit.SECONDS.toNanos(4));
        try (RealtimeClient client =
            ConnectorClient.builder(connector)
                .build()
                .connect(args[1], a -> RealtimeClient.builder(a).handshake(handshake))) {
          say("JOINED " + Addresses.format(client.serverAddress()));
        } catch (ConnectorException e) {
          say("FAILED " + e.step() + " " + e.getMessage());
        }
      }
      case "announce" -> {
        try (LanAnnouncer a =
            LanAnnouncer.builder(args[1], Integer.parseInt(args[2]))
                .listing("chase", () -> 1, 4)
                .build()
                .start()) {
          say("ANNOUNCING " + Addresses.format(a.localAddress()));
          waitForStdinToClose();
        }
      }
      case "discover" -> {
        for (DiscoveredServer s : LanDiscovery.discover(Duration.ofSeconds(3))) {
          say("FOUND " + s.serverName() + " " + Addresses.format(s.address()));
        }
        say("DONE");
      }
      case "flood" -> {
        // getConnetInfo for a registered name, as fast as the socket takes them; the namespace's
        // nftables rule rewrites each source address at random (spoofing).
        InetSocketAddress connector = Addresses.resolve(args[2], Connector.DEFAULT_PORT);
        int count = Integer.parseInt(args[3]);
        long bytes = 0;
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket();
            io.gamewire.connector.internal.ConnectorCodec codec =
                new io.gamewire.connector.internal.ConnectorCodec()) {
          for (int i = 0; i < count; i++) {
            byte[] wire =
                codec.encode(
                    io.gamewire.connector.internal.ConnectorMessage.of("getConnetInfo")
                        .put("serverName", args[1])
                        .put("clientPrivateIP", "10.9.0.2")
                        .put("clientPrivatePort", 1 + i % 60000)
                        .msgId((long) i));
            socket.send(new java.net.DatagramPacket(wire, wire.length, connector));
            bytes += wire.length;
          }
        }
        say("SENT " + count + " " + bytes);
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    System.exit(0);
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void waitForStdinToClose() throws IOException {
    while (System.in.read() >= 0) {
      // keep running
    }
  }
}
