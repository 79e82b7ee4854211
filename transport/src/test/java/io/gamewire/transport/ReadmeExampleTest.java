package io.gamewire.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gamewire.protocol.packet.PacketCodec;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import java.time.Duration;
import java.util.List;
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
}
