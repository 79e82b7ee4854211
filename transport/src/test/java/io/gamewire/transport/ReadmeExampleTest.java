package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The README's example, kept compiling and working (on an ephemeral port). */
class ReadmeExampleTest {
  @Test
  void readmeExampleRuns() throws Exception {
    List<String> printed = new CopyOnWriteArrayList<>();
    PacketRegistry.Builder packets = PacketRegistry.builder();
    PacketType<String> echo = packets.register("echo:echo", PacketCodec.string());
    PacketRegistry registry = packets.build();

    try (PacketServer server =
            PacketServer.builder(registry)
                .bind("127.0.0.1:0")
                .handle(echo, (connection, text) -> connection.send(echo, text))
                .build()
                .start();
        PacketClient client =
            PacketClient.builder(registry)
                .connect(Addresses.format(server.localAddress()))
                .handle(echo, (connection, text) -> printed.add("echoed: " + text))
                .build()
                .connect()) {
      client.send(echo, "hello");
      double delay =
          PacketClient.ping(Addresses.format(server.localAddress()), Duration.ofSeconds(2))
              .delayMillis();
      assertThat(delay).isPositive();
      await().atMost(Duration.ofSeconds(5)).until(() -> printed.contains("echoed: hello"));
    }
  }

  @Test
  void readmeGameExampleRuns() throws Exception {
    try (GameServer server =
            GameServer.builder()
                .bind("127.0.0.1:0")
                .initialState(Map.of("players", Map.of()))
                .on(
                    "MOVE",
                    (event, state, dt) -> Map.of("players", Map.of(event.clientId(), event.arg(0))))
                .build()
                .start();
        GameClient client =
            GameClient.builder(Addresses.format(server.localAddress())).build().connect()) {
      client.dispatch("MOVE", List.of(3.0, 4.0));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  client
                      .state()
                      .toString()
                      .matches("\\{players=\\{\\d+=\\[3.0, 4.0\\]\\}, game_status=1\\}"));
    }
  }
}
