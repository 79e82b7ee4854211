package io.gamewire.testkit;

import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where seeded simulations note their seeds so that {@link SeedReporter} can print them when a test
 * fails, and where a seed given on the command line ({@value #SEED_PROPERTY}) is read.
 *
 * <p>Notes are kept per thread and only the last {@value #MAX_NOTES} are kept, so a suite that
 * never uses the reporter does not grow the list without end.
 */
final class SeedRegistry {
  static final String SEED_PROPERTY = "gamewire.seed";
  static final int MAX_NOTES = 32;

  private static final ThreadLocal<ArrayDeque<String>> NOTES =
      ThreadLocal.withInitial(ArrayDeque::new);

  private SeedRegistry() {}

  static void note(String what) {
    ArrayDeque<String> notes = NOTES.get();
    if (notes.size() == MAX_NOTES) {
      notes.removeFirst();
    }
    notes.addLast(what);
  }

  static List<String> notes() {
    return List.copyOf(NOTES.get());
  }

  static void clear() {
    NOTES.get().clear();
  }

  /** The seed from {@code -Dgamewire.seed} if given, else a fresh random one. */
  static long seedFromPropertyOrRandom() {
    String given = System.getProperty(SEED_PROPERTY);
    if (given == null || given.isBlank()) {
      return new SplittableRandom().nextLong();
    }
    return parse(given.trim());
  }

  static long parse(String s) {
    try {
      if (s.startsWith("0x") || s.startsWith("0X")) {
        return Long.parseUnsignedLong(s.substring(2), 16);
      }
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-D" + SEED_PROPERTY + " must be a decimal or 0x-hex long, got '" + s + "'", e);
    }
  }
}
