package io.gamewire.protocol.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  private ByteBuf update(int base, int timeOrder) {
    ByteBuf buf = Unpooled.buffer();
    format.writeUpdate(buf, base, timeOrder, encoder, versions.get(base), versions.get(timeOrder));
    return buf;
  }

  private StateSyncReceiver.Outcome deliver(int base, int timeOrder)
      throws MalformedMessageException {
    return receiver.onUpdate(0, update(base, timeOrder));
  }

  private StateSyncReceiver.Outcome offer(int base, int timeOrder)
      throws MalformedMessageException {
    return receiver.offer(0, update(base, timeOrder));
  }

  @Test
  void offeredUpdatesWaitForSettleWhichDecodesOnlyTheNewestAndWhatItIsBuiltOn() throws Exception {
    makeVersions(4);
    assertThat(offer(0, 1)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    assertThat(offer(1, 2)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    assertThat(offer(1, 3)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    assertThat(receiver.decodes()).isZero();
    assertThat(receiver.timeOrder()).isZero();
    assertThat(receiver.state()).isEmpty();

    assertThat(receiver.settle()).isTrue();
    assertThat(receiver.timeOrder()).isEqualTo(3);
    assertThat(receiver.state()).isEqualTo(versions.get(3));
    assertThat(receiver.decodes()).as("versions 1 and 3, not 2").isEqualTo(2);
    assertThat(receiver.settle()).as("nothing newer").isFalse();

    // Version 2 was kept undecoded; an update built on it decodes it then.
    assertThat(offer(2, 4)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    assertThat(receiver.settle()).isTrue();
    assertThat(receiver.state()).isEqualTo(versions.get(4));
    assertThat(receiver.decodes()).isEqualTo(4);
  }

  @Test
  void anOlderUpdateOfferedAfterANewerOneIsKeptButNeverShown() throws Exception {
    makeVersions(3);
    offer(0, 1);
    offer(1, 3);
    assertThat(offer(1, 2)).isEqualTo(StateSyncReceiver.Outcome.OLDER);
    assertThat(receiver.settle()).isTrue();
    assertThat(receiver.timeOrder()).isEqualTo(3);
    assertThat(receiver.state()).isEqualTo(versions.get(3));
  }

  @Test
  void keysDefineTheSameWhateverOrderVersionsAreDecodedIn() throws Exception {
    versions.add(StateTree.EMPTY);
    versions.add(StateTree.freeze(Map.of("t", 1L), false));
    versions.add(StateTree.freeze(Map.of("t", 2L, "a", 1L), false)); // defines "a"
    versions.add(StateTree.freeze(Map.of("t", 3L, "b", 1L), false)); // defines "a" again, and "b"
    versions.add(StateTree.freeze(Map.of("t", 4L, "a", 2L, "c", 1L), false)); // assumes "a"
    assertThat(deliver(0, 1)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    offer(1, 2);
    offer(1, 3);
    assertThat(receiver.settle()).isTrue();
    assertThat(receiver.state()).isEqualTo(versions.get(3));
    assertThat(receiver.decodes()).as("version 2 waits").isEqualTo(2);
    offer(2, 4); // decodes 2, after 3 though the sender made it first, then 4
    assertThat(receiver.settle()).isTrue();
    assertThat(receiver.state()).isEqualTo(versions.get(4));
  }

  @Test
  void aLongChainOfUndecodedVersionsIsDecodedAsItGrows() throws Exception {
    int n = 3 * StateSyncReceiver.MAX_UNDECODED_CHAIN;
    makeVersions(n);
    for (int t = 1; t <= n; t++) {
      offer(t - 1, t);
    }
    long before = receiver.decodes();
    assertThat(before).as("decoded on the way").isGreaterThan(0);
    receiver.settle();
    assertThat(receiver.decodes() - before)
        .isLessThanOrEqualTo(StateSyncReceiver.MAX_UNDECODED_CHAIN);
    assertThat(receiver.state()).isEqualTo(versions.get(n));
  }

  @Test
  void aMalformedDeltaFoundAtSettleIsDroppedAndTheCurrentStateStays() throws Exception {
    makeVersions(3);
    deliver(0, 1);
    ByteBuf bad = update(1, 2).writeByte(0x5a); // a byte after the delta's end
    assertThat(receiver.offer(0, bad)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    assertThatThrownBy(receiver::settle).isInstanceOf(MalformedMessageException.class);
    assertThat(receiver.timeOrder()).isEqualTo(1);
    assertThat(receiver.state()).isEqualTo(versions.get(1));
    // Version 2 is not held: an update built on it asks for a resync.
    assertThat(offer(2, 3)).isEqualTo(StateSyncReceiver.Outcome.RESYNC);
    // And a good version 2 is accepted again.
    assertThat(deliver(1, 2)).isEqualTo(StateSyncReceiver.Outcome.APPLIED);
    assertThat(receiver.state()).isEqualTo(versions.get(2));
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
