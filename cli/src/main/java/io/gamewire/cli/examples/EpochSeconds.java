package io.gamewire.cli.examples;

import java.time.Instant;

/**
 * Wall-clock time as seconds since the epoch in a double, as Python's {@code time.time()} gives it,
 * so timestamps mean the same to peng3dnet peers. Microsecond resolution where the JDK has it.
 */
final class EpochSeconds {
  private EpochSeconds() {}

  static double now() {
    Instant t = Instant.now();
    return t.getEpochSecond() + t.getNano() / 1e9;
  }
}
