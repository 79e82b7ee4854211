package io.gamewire.cli.examples;

import io.gamewire.cli.AddressConverter;
import io.gamewire.cli.CommandFailure;
import io.gamewire.cli.Main;
import io.gamewire.cli.Terminal;
import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.Connection;
import io.gamewire.transport.PacketClient;
import io.gamewire.transport.PacketClientListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Parameters;

/**
 * What the example clients share: connect to ADDR, turn each input line into a packet, print what
 * arrives, and at the end of input wait a bounded time for the replies still outstanding before
 * closing. If the server closes the connection first, the client stops at once.
 */
abstract class ExampleClientCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "The server: " + AddressConverter.HELP + ".")
  InetSocketAddress address;

  protected final Terminal terminal;
  protected final Outstanding outstanding = new Outstanding();
  protected PacketClient client;
  private InputEvents events;

  ExampleClientCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  /** Rejects option values the parser cannot (throw a picocli ParameterException). */
  void checkOptions() {}

  abstract PacketRegistry registry();

  /** Adds the example's packet handlers. */
  abstract PacketClient.Builder configure(PacketClient.Builder builder);

  /** What to tell the user once connected, after {@code connected to ADDR}. */
  abstract String greeting();

  /** Runs once the handshake is done, before the first line is read. */
  void connected() {}

  /** Sends what one line asks for; false to stop reading input. */
  abstract boolean sendLine(String line);

  /** Input has ended and every outstanding reply has arrived or the wait is over. */
  abstract int endOfInput(int missing, Duration waited);

  /** {@link #sendLine} asked to stop: wait for the server to close. */
  int stopped() throws InterruptedException {
    return Main.EXIT_OK;
  }

  /** How long to wait for outstanding replies at the end of input. */
  abstract Duration endWait();

  @Override
  public final Integer call() throws IOException, InterruptedException {
    checkOptions();
    endWait();
    InetSocketAddress target = AddressConverter.resolve(address);
    events = InputEvents.readLines(terminal.in(), "gamewire-input");
    client =
        configure(PacketClient.builder(registry()).connect(target))
            .listener(
                new PacketClientListener() {
                  @Override
                  public void onClose(Connection c, String reason, boolean byPeer) {
                    outstanding.closed();
                    events.closed(reason, byPeer);
                  }
                })
            .build();
    try {
      client.connect();
      terminal.out().println("connected to " + Addresses.format(target) + "; " + greeting());
      connected();
      while (true) {
        InputEvents.Event e = events.take();
        if (e instanceof InputEvents.Line line) {
          if (!sendLine(line.text())) {
            return stopped();
          }
        } else if (e instanceof InputEvents.EndOfInput) {
          Duration wait = endWait();
          return endOfInput(outstanding.awaitNone(wait), wait);
        } else if (e instanceof InputEvents.Closed closed) {
          throw new CommandFailure("the server closed the connection (" + closed.reason() + ")");
        }
      }
    } finally {
      client.close();
    }
  }

  /** Waits up to {@code timeout} for the connection to close; its reason, or null. */
  String awaitClose(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      InputEvents.Event e = left > 0 ? events.poll(Duration.ofNanos(left)) : null;
      if (e == null) {
        return null;
      }
      if (e instanceof InputEvents.Closed closed) {
        return closed.reason();
      }
    }
  }

  static Duration seconds(double s, String option) {
    if (!(s >= 0) || s > 3600) {
      throw new CommandFailure(option + " must be between 0 and 3600 seconds, was " + s);
    }
    return Duration.ofNanos((long) (s * 1e9));
  }

  static String describe(Duration d) {
    return String.format(Locale.ROOT, "%.3g s", d.toNanos() / 1e9);
  }
}
