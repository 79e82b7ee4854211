package io.gamewire.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gamewire} command: one subcommand per job. */
@Command(
    name = "gamewire",
    mixinStandardHelpOptions = true,
    version = "gamewire 0.1.0",
    description = "Game networking for the JVM.",
    subcommands = {io.gamewire.cli.bench.BenchCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
