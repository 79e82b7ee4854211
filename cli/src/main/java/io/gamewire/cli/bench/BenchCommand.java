package io.gamewire.cli.bench;

import picocli.CommandLine.Command;

/** {@code gamewire bench}: Gamewire's side of the benchmarks in the bench module. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure Gamewire on this machine.",
    subcommands = {TcpBenchCommand.class, RealtimeBenchCommand.class, StateBenchCommand.class})
public final class BenchCommand {}
