package io.gamewire.cli;

import io.gamewire.cli.examples.ChatClientCommand;
import io.gamewire.cli.examples.ChatServerCommand;
import io.gamewire.cli.examples.EchoClientCommand;
import io.gamewire.cli.examples.EchoServerCommand;
import io.gamewire.cli.examples.ExampleServerCommand;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.PacketClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code gamewire example tour}: the echo and chat examples run end to end on loopback in this
 * process, each server and client a real command with its own typed input, and every line they
 * print is shown tagged with who printed it. Each step waits at most {@link #STEP_TIMEOUT}; a step
 * that fails makes the demo fail with exit code 1.
 */
@Command(
    name = "tour",
    mixinStandardHelpOptions = true,
    description =
        "Runs the echo and chat examples on loopback in one process and shows what happens.")
public final class ExampleTourCommand implements Callable<Integer> {
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);

  private final Terminal terminal;

  public ExampleTourCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws Exception {
    long start = System.nanoTime();
    PrintWriter out = terminal.out();
    out.println("gamewire example tour: the echo and chat examples on loopback, in one process");
    ExecutorService threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "gamewire-demo");
              t.setDaemon(true);
              return t;
            });
    try {
      echo(threads);
      chat(threads);
    } finally {
      threads.shutdownNow();
    }
    out.printf(
        Locale.ROOT,
        "tour finished in %.1f s: echo and chat ran end to end%n",
        (System.nanoTime() - start) / 1e9);
    return Main.EXIT_OK;
  }

  private void echo(ExecutorService threads) throws Exception {
    Participant server = participant("echo-srv", LineFeed.of());
    EchoServerCommand serverCommand = new EchoServerCommand(server.terminal);
    Future<Integer> serverExit = threads.submit(() -> server.run(serverCommand, "127.0.0.1:0"));
    try {
      String address = Addresses.format(awaitListening(serverCommand, "echo"));
      ping(address);
      Participant client = participant("echo-1", LineFeed.of("hello, gamewire", "ping"));
      expectOk(client.run(new EchoClientCommand(client.terminal), address), "echo-client");
      Participant stopper = participant("echo-2", LineFeed.of("stop"));
      expectOk(stopper.run(new EchoClientCommand(stopper.terminal), address), "echo-client");
      expectOk(awaitExit(serverExit, "the echo server to stop"), "echo-server");
    } finally {
      serverCommand.stop("the demo failed");
    }
  }

  private void chat(ExecutorService threads) throws Exception {
    Participant server = participant("chat-srv", LineFeed.of());
    ChatServerCommand serverCommand = new ChatServerCommand(server.terminal);
    Future<Integer> serverExit = threads.submit(() -> server.run(serverCommand, "127.0.0.1:0"));
    LineFeed aliceTypes = new LineFeed();
    LineFeed bobTypes = new LineFeed();
    try {
      String address = Addresses.format(awaitListening(serverCommand, "chat"));
      Participant alice = participant("alice", aliceTypes);
      Future<Integer> aliceExit =
          threads.submit(
              () -> alice.run(new ChatClientCommand(alice.terminal), address, "--nick", "alice"));
      server.await(line -> line.endsWith(" is alice"), "alice to join");
      Participant bob = participant("bob", bobTypes);
      Future<Integer> bobExit =
          threads.submit(
              () -> bob.run(new ChatClientCommand(bob.terminal), address, "--nick", "bob"));
      server.await(line -> line.endsWith(" is bob"), "bob to join");
      ping(address);
      aliceTypes.send("hi bob!");
      bob.await(line -> line.equals("[alice] hi bob!"), "bob to hear alice");
      bobTypes.send("hello alice, see you");
      alice.await(line -> line.equals("[bob] hello alice, see you"), "alice to hear bob");
      aliceTypes.end();
      expectOk(awaitExit(aliceExit, "alice to leave"), "chat-client alice");
      bobTypes.end();
      expectOk(awaitExit(bobExit, "bob to leave"), "chat-client bob");
      serverCommand.stop("the demo is over");
      expectOk(awaitExit(serverExit, "the chat server to stop"), "chat-server");
    } finally {
      aliceTypes.end();
      bobTypes.end();
      serverCommand.stop("the demo failed");
    }
  }

  private void ping(String address) throws IOException {
    InetSocketAddress target = Addresses.resolve(address, 0);
    String text = PingCommand.toText(target, PacketClient.ping(target, STEP_TIMEOUT, null));
    PrintWriter tagged = new PrintWriter(new TaggedLines("ping", terminal.out()), true);
    tagged.println(text);
  }

  private static InetSocketAddress awaitListening(ExampleServerCommand server, String name)
      throws InterruptedException {
    try {
      return server.listening().get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new CommandFailure("tour: the " + name + " server did not start: " + Main.describe(e));
    } catch (TimeoutException e) {
      throw new CommandFailure("tour: the " + name + " server did not start in time");
    }
  }

  private static int awaitExit(Future<Integer> exit, String what) throws Exception {
    try {
      return exit.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new CommandFailure("tour: timed out waiting for " + what);
    }
  }

  private static void expectOk(int exit, String who) {
    if (exit != Main.EXIT_OK) {
      throw new CommandFailure("tour: " + who + " failed with exit code " + exit);
    }
  }

  private Participant participant(String tag, Reader input) {
    TaggedLines out = new TaggedLines(tag, terminal.out());
    Terminal t =
        new Terminal(
            input,
            new PrintWriter(out, true),
            new PrintWriter(new TaggedLines(tag, terminal.err()), true));
    return new Participant(t, out);
  }

  /** One command in the demo, with its own input and tagged output. */
  private record Participant(Terminal terminal, TaggedLines printed) {
    int run(Object command, String... args) {
      return Main.configure(new CommandLine(command), terminal).execute(args);
    }

    void await(Predicate<String> line, String what) throws InterruptedException {
      if (!printed.await(line, STEP_TIMEOUT)) {
        throw new CommandFailure("tour: timed out waiting for " + what);
      }
    }
  }
}
