package io.gamewire.cli.examples;

import io.gamewire.cli.Terminal;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gamewire example ...}: the example servers and clients, peng3dnet-compatible. */
@Command(
    name = "example",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "EXAMPLE",
    description =
        "Runs an example server or client (echo, chat, chase); Python peng3dnet peers can join echo and chat.")
public final class ExampleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** This command with its examples, reading and writing {@code terminal}. */
  public static CommandLine commandLine(Terminal terminal) {
    return new CommandLine(new ExampleCommand())
        .addSubcommand(new EchoServerCommand(terminal))
        .addSubcommand(new EchoClientCommand(terminal))
        .addSubcommand(new ChatServerCommand(terminal))
        .addSubcommand(new ChatClientCommand(terminal))
        .addSubcommand(new ChaseServerCommand(terminal))
        .addSubcommand(new ChaseClientCommand(terminal));
  }

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(),
        "name an example: " + String.join(", ", spec.commandLine().getSubcommands().keySet()));
  }
}
