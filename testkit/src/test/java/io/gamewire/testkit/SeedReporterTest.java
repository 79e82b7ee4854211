package io.gamewire.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

class SeedReporterTest {
  private static final String INNER = "gamewire.testkit.seedReporterInner";

  /** Runs only when launched from {@link SeedReporterTest}, never on its own in the build. */
  @ExtendWith(SeedReporter.class)
  @EnabledIfSystemProperty(named = INNER, matches = "true")
  static class FailingSimulation {
    @Test
    void failsAfterMakingTwoNetworks() {
      new SimulatedNetwork(new FakeClock(), 4711);
      new SimulatedNetwork(new FakeClock(), -8);
      fail("the simulated link misbehaved");
    }

    @Test
    void passesAfterMakingANetwork() {
      new SimulatedNetwork(new FakeClock(), 1);
    }

    @Test
    void failsWithoutAnyNetwork() {
      fail("plain failure");
    }
  }

  @Test
  void failedTestCarriesTheSeedsOfItsNetworksAndKeepsItsOwnMessage() {
    List<Throwable> failures = runInner();

    assertThat(failures).hasSize(2);
    Throwable simulated =
        failures.stream()
            .filter(t -> t.getMessage().contains("misbehaved"))
            .findFirst()
            .orElseThrow();
    assertThat(simulated).isInstanceOf(AssertionError.class);
    assertThat(simulated.getSuppressed()).hasSize(1);
    assertThat(simulated.getSuppressed()[0])
        .isInstanceOf(SeedReporter.Seeds.class)
        .hasMessageContaining("seed=4711")
        .hasMessageContaining("seed=-8")
        .hasMessageNotContaining("seed=1,")
        .hasMessageContaining("-Dgamewire.seed=");

    Throwable plain =
        failures.stream().filter(t -> t.getMessage().contains("plain")).findFirst().orElseThrow();
    assertThat(plain.getSuppressed()).isEmpty();
  }

  private static List<Throwable> runInner() {
    List<Throwable> failures = new ArrayList<>();
    String before = System.getProperty(INNER);
    System.setProperty(INNER, "true");
    try {
      LauncherDiscoveryRequest request =
          LauncherDiscoveryRequestBuilder.request()
              .selectors(selectClass(FailingSimulation.class))
              .build();
      Launcher launcher = LauncherFactory.create();
      launcher.execute(
          request,
          new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
              if (id.isTest() && result.getStatus() == TestExecutionResult.Status.FAILED) {
                failures.add(result.getThrowable().orElseThrow());
              }
            }
          });
    } finally {
      if (before == null) {
        System.clearProperty(INNER);
      } else {
        System.setProperty(INNER, before);
      }
    }
    return failures;
  }

  @Test
  void keepsOnlyTheLatestNotesPerThread() {
    SeedRegistry.clear();
    for (int i = 0; i < SeedRegistry.MAX_NOTES + 10; i++) {
      SeedRegistry.note("n" + i);
    }
    assertThat(SeedRegistry.notes()).hasSize(SeedRegistry.MAX_NOTES).startsWith("n10");
    SeedRegistry.clear();
    assertThat(SeedReporter.describe(SeedRegistry.notes())).isNull();
  }
}
