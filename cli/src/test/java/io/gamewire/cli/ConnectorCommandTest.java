package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.connector.ConnectorRegistration;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.RealtimeServer;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectorCommandTest {
  private Cli.Running connector;

  @BeforeEach
  void start() {
    connector = Cli.start(LineFeed.of(), "connector", "--bind", "127.0.0.1:0");
    connector.awaitOut("listening on");
  }

  @AfterEach
  void stop() throws Exception {
    connector.interrupt();
    assertThat(connector.awaitExit()).isZero();
    assertThat(connector.out()).contains("connector stopped");
  }

  @Test
  @SuppressWarnings("unchecked")
  void serversListsWhatRegistered() throws Exception {
    InetSocketAddress at = Addresses.resolve(connector.address(), 20000);
    ConnectorRegistration registration =
        ConnectorRegistration.builder("cli-listed-game", at)
            .listing("chase", () -> 2, 4)
            .metadata(Map.of("map", "forest"))
            .build();
    try (RealtimeServer server =
        RealtimeServer.builder().bind("127.0.0.1:0").sideProtocol(registration).build().start()) {
      registration.registered().get(10, TimeUnit.SECONDS);

      Cli.Result text = Cli.run("servers", connector.address());
      assertThat(text.exit()).as(text.err()).isZero();
      assertThat(text.out())
          .contains("1 server on connector " + connector.address())
          .contains("cli-listed-game  chase  2/4  map=forest");

      Cli.Result json = Cli.run("servers", "--json", connector.address());
      assertThat(json.exit()).as(json.err()).isZero();
      assertThat(json.out()).hasLineCount(1);
      Map<String, Object> o = (Map<String, Object>) JsonReader.parse(json.out().strip());
      assertThat(o.get("connector")).isEqualTo(connector.address());
      List<Object> servers = (List<Object>) o.get("servers");
      assertThat(servers).hasSize(1);
      Map<String, Object> s = (Map<String, Object>) servers.get(0);
      assertThat(s)
          .containsEntry("name", "cli-listed-game")
          .containsEntry("game", "chase")
          .containsEntry("metadata", Map.of("map", "forest"));
      assertThat(((Number) s.get("players")).intValue()).isEqualTo(2);
    }
  }

  @Test
  void aSilentConnectorIsOneLineAndExitOne() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      Cli.Result r = Cli.run("servers", "127.0.0.1:" + silent.getLocalPort());
      assertThat(r.exit()).isEqualTo(Main.EXIT_FAILURE);
      assertThat(r.err())
          .hasLineCount(1)
          .startsWith("gamewire: connector 127.0.0.1:")
          .contains("did not answer");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void discoverListsAnAnnouncerItIsPointedAt() {
    try (io.gamewire.connector.LanAnnouncer announcer =
        io.gamewire.connector.LanAnnouncer.builder("cli-lan-game", 7777)
            .bindAddress("127.0.0.1")
            .port(0)
            .ipv6(false)
            .listing("chase", () -> 1, 4)
            .build()
            .start()) {
      String to = Addresses.format(announcer.localAddress());
      Cli.Result r = Cli.run("discover", "--seconds", "3", "--to", to, "--json");
      assertThat(r.exit()).as(r.err()).isZero();
      Map<String, Object> o = (Map<String, Object>) JsonReader.parse(r.out().strip());
      List<Object> servers = (List<Object>) o.get("servers");
      assertThat(servers).hasSize(1);
      assertThat((Map<String, Object>) servers.get(0))
          .containsEntry("name", "cli-lan-game")
          .containsEntry("address", "127.0.0.1:7777")
          .containsEntry("game", "chase");
    }
  }

  @Test
  void aBadAddressIsAUsageError() {
    Cli.Result r = Cli.run("servers", "127.0.0.1:99999");
    assertThat(r.exit()).isEqualTo(Main.EXIT_USAGE);
    assertThat(r.err()).hasLineCount(1);
    Cli.Result bind = Cli.run("connector", "--bind", "nope:x");
    assertThat(bind.exit()).isEqualTo(Main.EXIT_USAGE);
  }
}
