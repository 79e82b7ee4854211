package io.gamewire.cli.examples;

import java.util.Map;

/** Lets tests in other packages drive the package-private bot strategy. */
public final class ChaseBotAccess {
  private ChaseBotAccess() {}

  public static double[] step(Map<Object, Object> state, long self, double dt) {
    return ChaseBot.step(state, self, dt);
  }
}
