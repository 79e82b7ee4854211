package io.gamewire.cli.examples;

import io.gamewire.cli.AddressConverter;
import io.gamewire.cli.CommandFailure;
import io.gamewire.cli.Terminal;
import io.gamewire.connector.ConnectorRegistration;
import io.gamewire.transport.Addresses;
import io.gamewire.transport.GameServer;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gamewire example chase-server ADDR}: PyGaSe's chase game, served by Gamewire. */
@Command(
    name = "chase-server",
    mixinStandardHelpOptions = true,
    description =
        "Runs the chase game server (PyGaSe's example); stops on Ctrl-C or the host's"
            + " shutdown request.")
public final class ChaseServerCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "Where to listen: " + AddressConverter.HELP + ".")
  InetSocketAddress address;

  @Option(
      names = "--seconds",
      description = "Stop after this many seconds (default: run until stopped).")
  double seconds;

  @Option(
      names = "--register",
      paramLabel = "NAME",
      description = "Register with a connector under this name (8 to 64 characters).")
  String register;

  @Option(
      names = "--connector",
      paramLabel = "ADDR",
      converter = AddressConverter.class,
      description = "The connector to register with: host:port.")
  InetSocketAddress connector;

  static final int MAX_PLAYERS = 64;

  private final Terminal terminal;

  public ChaseServerCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  @Override
  public Integer call() throws Exception {
    if ((register == null) != (connector == null)) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this), "--register and --connector go together");
    }
    AtomicReference<GameServer> self = new AtomicReference<>();
    GameServer.Builder builder =
        ChaseGame.server(self, terminal.out()::println, System.nanoTime())
            .bind(Addresses.format(AddressConverter.resolve(address)))
            .maxClients(MAX_PLAYERS);
    ConnectorRegistration registration = null;
    if (register != null) {
      registration =
          ConnectorRegistration.builder(register, AddressConverter.resolve(connector))
              .freeSlots(() -> self.get() == null || self.get().clientCount() < MAX_PLAYERS)
              .build();
      builder.sideProtocol(registration);
    }
    GameServer server = builder.build();
    self.set(server);
    try {
      server.start();
    } catch (RuntimeException e) {
      throw new CommandFailure(e.getMessage());
    }
    if (registration != null) {
      try {
        registration.registered().get(10, TimeUnit.SECONDS);
        terminal
            .out()
            .println("registered as '" + register + "' with " + Addresses.format(connector));
      } catch (Exception e) {
        server.close();
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        throw new CommandFailure(
            "cannot register '"
                + register
                + "' with "
                + Addresses.format(connector)
                + ": "
                + (cause.getMessage() == null ? "no answer" : cause.getMessage()));
      }
    }
    Thread hook = new Thread(server::close, "gamewire-chase-server-exit");
    Runtime.getRuntime().addShutdownHook(hook);
    terminal.out().println("chase server listening on " + Addresses.format(server.localAddress()));
    try {
      if (seconds > 0) {
        server.awaitStop((long) (seconds * 1000), TimeUnit.MILLISECONDS);
      } else {
        server.awaitStop(Long.MAX_VALUE, TimeUnit.DAYS);
      }
    } finally {
      server.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // the JVM is exiting already
      }
    }
    terminal.out().println("chase server stopped");
    return 0;
  }
}
