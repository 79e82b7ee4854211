package io.gamewire.cli.examples;

import static io.gamewire.cli.examples.ChatProtocol.JOIN;
import static io.gamewire.cli.examples.ChatProtocol.MESSAGE;

import io.gamewire.cli.Terminal;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.transport.Connection;
import io.gamewire.transport.PacketServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code gamewire example chat-server ADDR}: see {@link ChatProtocol}. A connection's nickname is
 * its attachment, set by {@code chat:join}; messages from a client that never joined come from
 * {@code anonymous}.
 */
@Command(
    name = "chat-server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the chat example server: every chat:message goes to every client, with the sender's"
          + " nickname.",
      "Its ping data says how many users have joined. Runs until Ctrl-C."
    })
public final class ChatServerCommand extends ExampleServerCommand {
  private static final int USER_SAMPLE_SIZE = 10;

  public ChatServerCommand(Terminal terminal) {
    super(terminal);
  }

  @Override
  String exampleName() {
    return "chat";
  }

  @Override
  PacketRegistry registry() {
    return ChatProtocol.REGISTRY;
  }

  @Override
  PacketServer.Builder configure(PacketServer.Builder builder) {
    return builder
        .handle(JOIN, this::join)
        .handle(MESSAGE, this::message)
        .pingData((c, request) -> pingData());
  }

  private void join(Connection c, Map<Object, Object> body) {
    String nickname = ChatProtocol.nicknameOf(body);
    if (nickname == null) {
      c.send(
          MESSAGE,
          ChatProtocol.notice(
              "a nickname is 1 to "
                  + ChatProtocol.MAX_NICKNAME_CHARS
                  + " characters without spaces; you stay "
                  + nicknameOf(c),
              EpochSeconds.now()));
      return;
    }
    Object before = c.attachment();
    c.attach(nickname);
    terminal.out().println("client " + c.id() + " is " + nickname);
    String notice = before == null ? nickname + " joined" : before + " is now called " + nickname;
    server.broadcast(MESSAGE, ChatProtocol.notice(notice, EpochSeconds.now()));
  }

  private void message(Connection c, Map<Object, Object> body) {
    String text = ChatProtocol.textOf(body);
    if (text == null) {
      return;
    }
    double now = EpochSeconds.now();
    String nickname = nicknameOf(c);
    terminal.out().println("[" + nickname + "] " + TerminalText.safe(text));
    server.broadcast(
        MESSAGE, ChatProtocol.relayed(nickname, text, ChatProtocol.timestampOf(body, now)));
  }

  @Override
  void left(Connection c, String reason) {
    if (c.attachment() != null && server.isRunning()) {
      server.broadcast(
          MESSAGE,
          ChatProtocol.notice(c.attachment() + " left (" + reason + ")", EpochSeconds.now()));
    }
  }

  private Map<String, Object> pingData() {
    List<String> names = new ArrayList<>();
    for (Connection c : server.connections()) {
      if (c.isOpen() && c.attachment() instanceof String nickname) {
        names.add(nickname);
      }
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("users", (long) names.size());
    data.put("usersample", List.copyOf(names.subList(0, Math.min(USER_SAMPLE_SIZE, names.size()))));
    return data;
  }

  private static String nicknameOf(Connection c) {
    return c.attachment() instanceof String s ? s : "anonymous";
  }
}
