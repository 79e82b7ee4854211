package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatExampleTest {

  @Test
  void twoClientsChatThroughTheServer() throws Exception {
    Cli.Running server = Cli.server("chat-server");
    try {
      LineFeed bobTypes = new LineFeed();
      Cli.Running bob =
          Cli.start(bobTypes, "example", "chat-client", server.address(), "--nick", "bob");
      server.awaitOut(" is bob");

      Cli.Result alice =
          Cli.run(
              LineFeed.of("hi bob", "", "how are you?"),
              "example",
              "chat-client",
              server.address(),
              "--nick",
              "alice");

      assertThat(alice.exit()).as(alice.err()).isZero();
      assertThat(alice.err()).isEmpty();
      assertThat(alice.out())
          .containsSubsequence("* alice joined", "[alice] hi bob", "[alice] how are you?");
      bob.awaitOut("* alice left (userrequest)");
      assertThat(bob.out())
          .containsSubsequence(
              "* bob joined",
              "* alice joined",
              "[alice] hi bob",
              "[alice] how are you?",
              "* alice left (userrequest)");
      bobTypes.send("fine, thanks");
      bob.awaitOut("[bob] fine, thanks");
      bobTypes.end();
      assertThat(bob.awaitExit()).isZero();
      assertThat(server.out())
          .containsSubsequence("[alice] hi bob", "[alice] how are you?", "[bob] fine, thanks");
    } finally {
      server.interrupt();
    }
    assertThat(server.awaitExit()).isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void pingDataCountsTheUsersWhoJoined() throws Exception {
    Cli.Running server = Cli.server("chat-server");
    LineFeed carolTypes = new LineFeed();
    try {
      Cli.Running carol =
          Cli.start(carolTypes, "example", "chat-client", server.address(), "--nick", "carol");
      server.awaitOut(" is carol");

      Cli.Result ping = Cli.run("ping", "--json", server.address());

      assertThat(ping.exit()).as(ping.err()).isZero();
      Map<String, Object> o = (Map<String, Object>) JsonReader.parse(ping.out().strip());
      Map<String, Object> data = (Map<String, Object>) o.get("data");
      assertThat(data).containsEntry("users", 1L).containsEntry("usersample", List.of("carol"));
      carolTypes.end();
      assertThat(carol.awaitExit()).isZero();
    } finally {
      carolTypes.end();
      server.interrupt();
    }
    assertThat(server.awaitExit()).isZero();
  }

  @Test
  void aNicknameWithSpacesIsAUsageError() {
    Cli.Result r = Cli.run("example", "chat-client", "127.0.0.1:1", "--nick", "two words");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("gamewire: nickname 'two words' must be").hasLineCount(1);
  }
}
