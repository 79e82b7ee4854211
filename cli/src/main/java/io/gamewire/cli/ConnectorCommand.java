package io.gamewire.cli;

import io.gamewire.connector.Connector;
import io.gamewire.connector.ConnectorStats;
import io.gamewire.transport.Addresses;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gamewire connector [--bind ADDR]}: runs a connector until Ctrl-C. */
@Command(
    name = "connector",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a connector: game servers register by name, clients look them up and get through NAT."
          + " Speaks lan-caster's connector protocol, plus a server list.",
      "Runs until Ctrl-C."
    })
public final class ConnectorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bind",
      paramLabel = "ADDR",
      defaultValue = "0.0.0.0:20000",
      converter = ConnectorAddressConverter.class,
      description =
          "Where to listen: " + ConnectorAddressConverter.HELP + " (default: ${DEFAULT-VALUE}).")
  InetSocketAddress bind;

  @Option(
      names = "--max-servers",
      paramLabel = "N",
      defaultValue = "100",
      description = "Most servers registered at once (default: ${DEFAULT-VALUE}).")
  int maxServers;

  private final Terminal terminal;
  private final CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
  private final CompletableFuture<String> stopRequest = new CompletableFuture<>();

  public ConnectorCommand(Terminal terminal) {
    this.terminal = terminal;
  }

  /** Completes with the bound address once listening, or exceptionally if binding failed. */
  public CompletableFuture<InetSocketAddress> listening() {
    return listening;
  }

  /** Asks the running connector to stop. */
  public void stop(String why) {
    stopRequest.complete(why);
  }

  @Override
  public Integer call() {
    if (maxServers < 1 || maxServers > 100_000) {
      throw new ParameterException(spec.commandLine(), "--max-servers must be in 1..100000");
    }
    Connector connector;
    try {
      connector =
          Connector.builder()
              .bind(AddressConverter.resolve(bind))
              .maxServers(maxServers)
              .build()
              .start();
    } catch (RuntimeException e) {
      listening.completeExceptionally(e);
      throw e;
    }
    InetSocketAddress at = connector.localAddress();
    terminal.out().println("connector listening on " + Addresses.format(at));
    terminal.out().flush();
    listening.complete(at);
    Thread hook = new Thread(connector::close, "gamewire-connector-hook");
    Runtime.getRuntime().addShutdownHook(hook);
    String why;
    boolean interrupted = false;
    try {
      why = stopRequest.get();
    } catch (InterruptedException e) {
      why = "interrupted";
      interrupted = true;
    } catch (ExecutionException e) {
      why = e.getCause().toString();
    }
    ConnectorStats s = connector.stats();
    connector.close();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already exiting
    }
    terminal
        .out()
        .println(
            "connector stopped ("
                + why
                + "): "
                + s.received()
                + " datagrams in, "
                + s.sent()
                + " out, "
                + s.malformed()
                + " malformed, "
                + s.rateLimited()
                + " rate-limited");
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return Main.EXIT_OK;
  }
}
