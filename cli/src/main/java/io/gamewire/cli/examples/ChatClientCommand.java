package io.gamewire.cli.examples;

import static io.gamewire.cli.examples.ChatProtocol.JOIN;
import static io.gamewire.cli.examples.ChatProtocol.MESSAGE;

import io.gamewire.cli.Main;
import io.gamewire.cli.Terminal;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.transport.Connection;
import io.gamewire.transport.PacketClient;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gamewire example chat-client ADDR --nick NAME}: joins, sends each input line as a message
 * and prints every message that arrives as {@code [nick] text}. The server relays a message to its
 * sender too, which is how the client knows, at the end of input, that its last messages went out
 * before it leaves; it waits for that at most {@code --wait} seconds (a peng3dnet server does not
 * relay to the sender, so there the wait simply runs out).
 */
@Command(
    name = "chat-client",
    mixinStandardHelpOptions = true,
    description = {
      "Joins a chat server, sends each line of standard input as a message, and prints the"
          + " messages that arrive as [nick] text."
    })
public final class ChatClientCommand extends ExampleClientCommand {
  @Spec CommandSpec spec;

  @Option(
      names = "--nick",
      paramLabel = "NAME",
      required = true,
      description = "Your nickname: 1 to 32 characters, no spaces.")
  String nickname;

  @Option(
      names = "--wait",
      paramLabel = "SECONDS",
      defaultValue = "2",
      description =
          "How long to wait for the server to relay your last messages at the end of input"
              + " (default: 2).")
  double waitSeconds;

  private final Queue<String> unconfirmed = new ConcurrentLinkedQueue<>();

  public ChatClientCommand(Terminal terminal) {
    super(terminal);
  }

  @Override
  void checkOptions() {
    if (!ChatProtocol.isValidNickname(nickname)) {
      throw new ParameterException(
          spec.commandLine(),
          "nickname '"
              + nickname
              + "' must be 1 to "
              + ChatProtocol.MAX_NICKNAME_CHARS
              + " characters without spaces");
    }
  }

  @Override
  PacketRegistry registry() {
    return ChatProtocol.REGISTRY;
  }

  @Override
  PacketClient.Builder configure(PacketClient.Builder builder) {
    return builder.handle(MESSAGE, this::received);
  }

  private void received(Connection c, Map<Object, Object> message) {
    terminal.out().println(ChatProtocol.format(message));
    if (!Boolean.TRUE.equals(message.get("internal"))
        && nickname.equals(ChatProtocol.senderOf(message))
        && message.get("message") instanceof String text
        && text.equals(unconfirmed.peek())) {
      unconfirmed.poll();
      outstanding.arrived();
    }
  }

  @Override
  String greeting() {
    return "you are " + nickname + "; type messages";
  }

  @Override
  void connected() {
    client.send(JOIN, ChatProtocol.join(nickname));
  }

  @Override
  Duration endWait() {
    return seconds(waitSeconds, "--wait");
  }

  @Override
  boolean sendLine(String line) {
    if (line.isBlank()) {
      return true;
    }
    if (line.length() > ChatProtocol.MAX_MESSAGE_CHARS) {
      terminal
          .err()
          .println(
              "gamewire: not sent: a message is at most "
                  + ChatProtocol.MAX_MESSAGE_CHARS
                  + " characters");
      return true;
    }
    unconfirmed.add(line);
    outstanding.expect();
    client.send(MESSAGE, ChatProtocol.message(line, EpochSeconds.now()));
    return true;
  }

  @Override
  int endOfInput(int missing, Duration waited) {
    if (missing > 0) {
      terminal
          .err()
          .println(
              "gamewire: "
                  + missing
                  + " of your messages did not come back from the server within "
                  + describe(waited));
    }
    return Main.EXIT_OK;
  }
}
