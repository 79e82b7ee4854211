package io.gamewire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/** Runs the gamewire command in this process with its own input and captured output. */
final class Cli {
  static final Duration WAIT = Duration.ofSeconds(10);
  private static final Pattern LISTENING = Pattern.compile("listening on (\\S+)");

  private Cli() {}

  record Result(int exit, String out, String err) {}

  /** Runs to completion with empty input. */
  static Result run(String... args) {
    return run(LineFeed.of(), args);
  }

  static Result run(Reader in, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Main.commandLine(new Terminal(in, new PrintWriter(out, true), new PrintWriter(err, true)))
            .execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** Runs on a thread of its own, which {@link Running#interrupt} interrupts. */
  static Running start(Reader in, String... args) {
    Running r = new Running();
    Terminal t = new Terminal(in, new PrintWriter(r.out, true), new PrintWriter(r.err, true));
    r.thread =
        new Thread(
            () -> {
              try {
                r.exit.complete(Main.commandLine(t).execute(args));
              } catch (Throwable e) {
                r.exit.completeExceptionally(e);
              }
            },
            "cli-" + args[args.length - 1]);
    r.thread.setDaemon(true);
    r.thread.start();
    return r;
  }

  /** Starts {@code gamewire example NAME 127.0.0.1:0} and waits until it listens. */
  static Running server(String name) {
    Running r = start(LineFeed.of(), "example", name, "127.0.0.1:0");
    r.awaitOut("listening on");
    return r;
  }

  static final class Running {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread thread;

    String out() {
      return out.toString();
    }

    String err() {
      return err.toString();
    }

    void awaitOut(String text) {
      Awaitility.await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(10))
          .failFast("command ended early: " + err(), () -> exit.isDone() && !out().contains(text))
          .until(() -> out().contains(text));
    }

    /** The address a server said it listens on. */
    String address() {
      Matcher m = LISTENING.matcher(out());
      assertThat(m.find()).as("a 'listening on' line in %s", out()).isTrue();
      return m.group(1);
    }

    void interrupt() {
      thread.interrupt();
    }

    int awaitExit() throws Exception {
      return exit.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }
}
