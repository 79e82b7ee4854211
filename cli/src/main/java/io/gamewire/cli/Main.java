package io.gamewire.cli;

import io.gamewire.cli.examples.ExampleCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code gamewire} command: one subcommand per job. Exit codes: {@value #EXIT_OK} ok, {@value
 * #EXIT_FAILURE} runtime failure (refused, timed out, port in use...), {@value #EXIT_USAGE} usage
 * error. Every failure is one line on standard error, never a stack trace (unless {@code
 * -Dgamewire.debug=true}).
 */
@Command(
    name = "gamewire",
    mixinStandardHelpOptions = true,
    version = "gamewire 0.1.0",
    description = "Game networking for the JVM.",
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n")
public final class Main implements Callable<Integer> {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine(Terminal.system()).execute(args));
  }

  /**
   * The subcommands, in the order {@code --help} lists them. A new command is one more entry here:
   * an annotated command object, or a {@link CommandLine} when it has subcommands of its own.
   */
  static List<Object> subcommands(Terminal terminal) {
    return List.of(
        new DemoCommand(terminal),
        new GameServerCommand(terminal),
        new GameClientCommand(terminal),
        ExampleCommand.commandLine(terminal).addSubcommand(new ExampleTourCommand(terminal)),
        new PingCommand(terminal),
        new ConnectorCommand(terminal),
        new ServersCommand(terminal),
        new DiscoverCommand(terminal),
        new io.gamewire.cli.bench.BenchCommand(),
        new CommandLine.HelpCommand());
  }

  /** The whole command tree, reading and writing {@code terminal}; run it with {@code execute}. */
  public static CommandLine commandLine(Terminal terminal) {
    CommandLine cl = new CommandLine(new Main());
    for (Object sub : subcommands(terminal)) {
      cl.addSubcommand(sub);
    }
    return configure(cl, terminal);
  }

  /**
   * Points {@code cl} and every subcommand it has at {@code terminal} and installs the one-line
   * error handling and exit codes.
   */
  static CommandLine configure(CommandLine cl, Terminal terminal) {
    cl.setOut(terminal.out());
    cl.setErr(terminal.err());
    cl.setParameterExceptionHandler(Main::usageError);
    cl.setExecutionExceptionHandler((e, commandLine, parsed) -> runtimeFailure(e, commandLine));
    return cl;
  }

  /** {@code gamewire} alone: show what there is to run. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return EXIT_USAGE;
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    String name = cl.getCommandSpec().qualifiedName();
    // picocli names a bad positional value by its index; its label says more.
    String message =
        oneLine(e.getMessage())
            .replaceFirst(
                "^Invalid value for positional parameter at index \\d+ \\((\\S+)\\): ", "bad $1: ");
    cl.getErr().println("gamewire: " + message + " (see '" + name + " --help')");
    return EXIT_USAGE;
  }

  private static int runtimeFailure(Exception e, CommandLine cl) {
    cl.getErr().println("gamewire: " + describe(e));
    if (Boolean.getBoolean("gamewire.debug")) {
      e.printStackTrace(cl.getErr());
    }
    return EXIT_FAILURE;
  }

  /** One line that says what failed: the message of the exception that knows, unwrapped. */
  static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof UncheckedIOException
            || t instanceof CompletionException
            || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage();
    boolean explained =
        t instanceof CommandFailure
            || t instanceof IOException
            || t instanceof IllegalArgumentException;
    if (explained && message != null && !message.isBlank()) {
      return oneLine(message);
    }
    return "unexpected "
        + t.getClass().getName()
        + (message == null ? "" : ": " + oneLine(message))
        + " (run with -Dgamewire.debug=true for the stack trace)";
  }

  private static String oneLine(String s) {
    return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
  }
}
