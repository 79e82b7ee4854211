package io.gamewire.cli.examples;

import static io.gamewire.cli.examples.EchoProtocol.ECHO;
import static io.gamewire.cli.examples.EchoProtocol.PING;

import io.gamewire.cli.CommandFailure;
import io.gamewire.cli.Main;
import io.gamewire.cli.Terminal;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.transport.PacketClient;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gamewire example echo-client ADDR}: each input line is sent as {@code echo:echo}, except
 * {@code ping} ({@code echo:ping} with the time) and {@code stop} (asks the server to shut down).
 * Exits once input has ended and every reply has arrived; exit 1 if some do not arrive in time.
 */
@Command(
    name = "echo-client",
    mixinStandardHelpOptions = true,
    description = {
      "Sends each line of standard input to an echo server and prints the replies.",
      "'ping' measures the round trip; 'stop' shuts the server down."
    })
public final class EchoClientCommand extends ExampleClientCommand {
  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description = "How long to wait for the last replies at the end of input (default: 5).")
  double waitSeconds;

  public EchoClientCommand(Terminal terminal) {
    super(terminal);
  }

  @Override
  PacketRegistry registry() {
    return EchoProtocol.REGISTRY;
  }

  @Override
  PacketClient.Builder configure(PacketClient.Builder builder) {
    return builder
        .handle(
            ECHO,
            (c, text) -> {
              terminal.out().println("echo: " + TerminalText.safe(text));
              outstanding.arrived();
            })
        .handle(
            PING,
            (c, answer) -> {
              terminal.out().println(EchoProtocol.describeAnswer(answer, EpochSeconds.now()));
              outstanding.arrived();
            });
  }

  @Override
  String greeting() {
    return "type lines to echo, 'ping' or 'stop'";
  }

  @Override
  Duration endWait() {
    return seconds(waitSeconds, "--wait");
  }

  @Override
  boolean sendLine(String line) {
    if (line.equals("ping")) {
      outstanding.expect();
      client.send(PING, EchoProtocol.pingRequest(EpochSeconds.now()));
    } else if (line.equals(EchoProtocol.STOP)) {
      client.send(ECHO, line);
      return false;
    } else {
      outstanding.expect();
      client.send(ECHO, line);
    }
    return true;
  }

  @Override
  int stopped() throws InterruptedException {
    Duration wait = endWait();
    String reason = awaitClose(wait);
    if (reason == null) {
      throw new CommandFailure(
          "the server did not close the connection within " + describe(wait) + " after 'stop'");
    }
    int missing = outstanding.count();
    if (missing > 0) {
      throw new CommandFailure(
          "the server closed the connection (" + reason + ") with " + missing + " replies missing");
    }
    terminal.out().println("the server closed the connection (" + reason + ")");
    return Main.EXIT_OK;
  }

  @Override
  int endOfInput(int missing, Duration waited) {
    if (missing == 0) {
      return Main.EXIT_OK;
    }
    if (!client.isOpen()) {
      throw new CommandFailure(
          "the server closed the connection ("
              + client.connection().closeReason()
              + ") with "
              + missing
              + (missing == 1 ? " reply" : " replies")
              + " missing");
    }
    throw new CommandFailure(
        missing
            + (missing == 1 ? " reply" : " replies")
            + " did not arrive within "
            + describe(waited)
            + " of the end of input");
  }
}
