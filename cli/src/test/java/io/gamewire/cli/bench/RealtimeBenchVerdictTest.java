package io.gamewire.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.realtime.DeliveryMode;
import org.junit.jupiter.api.Test;

/** The rule behind {@code bench realtime}'s exit status, case by case. */
class RealtimeBenchVerdictTest {

  @Test
  void aPerfectReliableRunPasses() {
    for (DeliveryMode m : DeliveryMode.values()) {
      assertThat(RealtimeBench.verdict(m, 100, 100, 0, 0, 0)).as("%s", m).isEmpty();
    }
  }

  @Test
  void aLostReliableMessageFails() {
    assertThat(RealtimeBench.verdict(DeliveryMode.RELIABLE_ORDERED, 100, 99, 0, 0, 0))
        .singleElement()
        .asString()
        .contains("1 of 100 reliable messages were not delivered");
    assertThat(RealtimeBench.verdict(DeliveryMode.RELIABLE_UNORDERED, 100, 99, 0, 0, 0)).hasSize(1);
  }

  @Test
  void lossIsAllowedWhenUnreliable() {
    assertThat(RealtimeBench.verdict(DeliveryMode.UNRELIABLE, 100, 60, 0, 5, 0)).isEmpty();
    assertThat(RealtimeBench.verdict(DeliveryMode.UNRELIABLE_SEQUENCED, 100, 60, 0, 0, 0))
        .isEmpty();
  }

  @Test
  void aDuplicateFailsInEveryMode() {
    for (DeliveryMode m : DeliveryMode.values()) {
      assertThat(RealtimeBench.verdict(m, 100, 100, 1, 0, 0))
          .as("%s", m)
          .anySatisfy(p -> assertThat(p).contains("more than once"));
    }
  }

  @Test
  void reorderingFailsOnlyWhereTheModePromisesOrder() {
    assertThat(RealtimeBench.verdict(DeliveryMode.RELIABLE_ORDERED, 100, 100, 0, 3, 0))
        .singleElement()
        .asString()
        .contains("3 messages arrived after a newer one (reliable-ordered)");
    assertThat(RealtimeBench.verdict(DeliveryMode.UNRELIABLE_SEQUENCED, 100, 90, 0, 1, 0))
        .hasSize(1);
    assertThat(RealtimeBench.verdict(DeliveryMode.RELIABLE_UNORDERED, 100, 100, 0, 3, 0)).isEmpty();
  }

  @Test
  void aConnectionLostDuringAReliableRunFails() {
    assertThat(RealtimeBench.verdict(DeliveryMode.RELIABLE_ORDERED, 100, 100, 0, 0, 1))
        .singleElement()
        .asString()
        .contains("connections ended");
    assertThat(RealtimeBench.verdict(DeliveryMode.UNRELIABLE, 100, 100, 0, 0, 1)).isEmpty();
  }

  @Test
  void modeNamesRoundTrip() {
    for (DeliveryMode m : DeliveryMode.values()) {
      assertThat(RealtimeBenchCommand.parseMode(RealtimeBench.modeName(m))).isEqualTo(m);
    }
    assertThat(RealtimeBenchCommand.parseMode("RELIABLE_ORDERED")).isNull();
  }
}
