package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.gamewire.protocol.msgpack.MsgpackLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which versions a client keeps, seen through the updates it can still apply. */
class StateSyncReceiverTest {
  private final StateDeltaCodec codec = new StateDeltaCodec(StateCodecConfig.EXACT);
  private final StateDeltaCodec.Encoder encoder = codec.encoder();
  private final NativeStateFormat format = new NativeStateFormat(MsgpackLimits.DEFAULT);
  private final StateSyncReceiver receiver = new StateSyncReceiver(StateCodecConfig.EXACT);
  private final List<Map<Object, Object>> versions = new ArrayList<>();

  /** Versions 1..n of a counter state: version t holds {"t": t}. */
  private void makeVersions(int n) {
    versions.add(StateTree.EMPTY);
    for (long t = 1; t <= n; t++) {
      versions.add(StateTree.freeze(Map.of("t", t, "fixed", "x"), false));
    }
  }

  private StateSyncReceiver.Outcome deliver(int base, int timeOrder)
      throws MalformedMessageException {
    ByteBuf buf = Unpooled.buffer();
    format.writeUpdate(buf, base, timeOrder, encoder, versions.get(base), versions.get(timeOrder));
    return receiver.onUpdate(0, buf);
  }

  @Test
  void aBaseTheServerKeepsUsingStaysHeldHoweverManyNewerVersionsArrive() throws Exception {
    makeVersions(3 * StateSyncReceiver.VERSIONS_KEPT + 2);
    assertThat(deliver(0, 1)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    // Every ack from the client is lost: the server keeps diffing from version 1.
    for (int t = 2; t < versions.size(); t++) {
      assertThat(deliver(1, t))
          .as("update %d against base 1", t)
          .isEqualTo(StateSyncReceiver.Outcome.APPLIED);
      assertThat(receiver.state()).isEqualTo(versions.get(t));
    }
    // Then an ack gets through and the server moves to a recent version.
    int last = versions.size() - 1;
    versions.add(StateTree.freeze(Map.of("t", (long) last + 1, "fixed", "x"), false));
    assertThat(deliver(last - 2, last + 1)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    assertThat(receiver.timeOrder()).isEqualTo(last + 1);
  }

  @Test
  void aVersionNeitherRecentNorInUseIsDroppedAndAskedForAgain() throws Exception {
    makeVersions(StateSyncReceiver.VERSIONS_KEPT + 3);
    assertThat(deliver(0, 1)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    for (int t = 2; t < versions.size(); t++) {
      assertThat(deliver(t - 1, t)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    }
    // Version 1 has been neither used nor made since: it is gone, and a resync is due.
    versions.add(StateTree.freeze(Map.of("t", 99L), false));
    assertThat(deliver(1, versions.size() - 1)).isEqualTo(StateSyncReceiver.Outcome.RESYNC);
    assertThat(receiver.timeOrder()).isEqualTo(versions.size() - 2);
  }
}
