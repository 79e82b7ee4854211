package io.gamewire.cli.examples;

import static io.gamewire.cli.examples.EchoProtocol.ECHO;
import static io.gamewire.cli.examples.EchoProtocol.PING;

import io.gamewire.cli.Terminal;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.transport.PacketServer;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code gamewire example echo-server ADDR}: see {@link EchoProtocol}. */
@Command(
    name = "echo-server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the echo example server: echo:echo comes back as sent, echo:ping comes back with"
          + " server_timestamp added.",
      "Runs until Ctrl-C, or until a client sends 'stop'."
    })
public final class EchoServerCommand extends ExampleServerCommand {

  public EchoServerCommand(Terminal terminal) {
    super(terminal);
  }

  @Override
  String exampleName() {
    return "echo";
  }

  @Override
  PacketRegistry registry() {
    return EchoProtocol.REGISTRY;
  }

  @Override
  PacketServer.Builder configure(PacketServer.Builder builder) {
    return builder
        .handle(
            ECHO,
            (c, text) -> {
              terminal.out().println("client " + c.id() + ": " + TerminalText.safe(text));
              if (EchoProtocol.STOP.equals(text)) {
                c.close(EchoProtocol.STOP_REASON);
                stop("'stop' from client " + c.id());
              } else {
                c.send(ECHO, text);
              }
            })
        .handle(
            PING,
            (c, request) -> {
              terminal.out().println("client " + c.id() + " pinged");
              c.send(PING, EchoProtocol.pingAnswer(request, EpochSeconds.now()));
            })
        .pingData((c, request) -> Map.of("example", "echo"));
  }
}
