package io.gamewire.protocol.state;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;

/**
 * Jazzer target for {@link StateDeltaCodec.Decoder}. The input is one delta, decoded twice: by a
 * fresh receiver against {@link StateTree#EMPTY}, and by a receiver that holds {@link #BASELINE} (a
 * three-player chase state, whose keys it learnt from the full state) against that baseline. {@link
 * MalformedMessageException} is the only acceptable failure; a delta that decodes must give a tree
 * that encodes and decodes back to itself, and must leave the baseline untouched.
 *
 * <p>Without {@code JAZZER_FUZZ} it runs once on an empty input and once per file in {@code
 * StateDeltaDecoderFuzzTestInputs/decoderOnlyFailsAsMalformed/} under src/test/resources (a full
 * state, a delta, truncations, a depth bomb, huge claimed lengths, bad UTF-8, unknown key ids,
 * written by {@link StateDeltaFuzzSeeds}). Run {@code JAZZER_FUZZ=1 mvn -pl protocol test
 * -Dtest=StateDeltaDecoderFuzzTest} to fuzz for real.
 */
class StateDeltaDecoderFuzzTest {
  /** Small caps so the fuzzer reaches every limit with short inputs. */
  static final StateCodecConfig FUZZ_CONFIG =
      StateCodecConfig.DEFAULT.withMaxKeys(16).withLimits(6, 256, 32, 256);

  static final StateDeltaCodec CODEC = new StateDeltaCodec(FUZZ_CONFIG);

  /** Built in a fixed order (Map.of iterates in a per-JVM order), so that seeds stay valid. */
  static final Map<Object, Object> BASELINE =
      CODEC.quantize(
          StateTree.freeze(
              ordered(
                  "players",
                  ordered(
                      1, ordered("name", "ann", "position", List.of(1.5, 2.25)),
                      2, ordered("name", "bob", "position", List.of(-3.0, 4.0)),
                      7, ordered("name", "cy", "position", List.of(0.0, 0.0))),
                  "chaser_id",
                  1,
                  "protection",
                  true,
                  "countdown",
                  4.5),
              false));

  static Map<Object, Object> ordered(Object... keysAndValues) {
    Map<Object, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  @FuzzTest(maxDuration = "60s")
  void decoderOnlyFailsAsMalformed(byte[] input) {
    decodeOnlyFailsAsMalformed(input);
  }

  static void decodeOnlyFailsAsMalformed(byte[] input) {
    check(CODEC.decoder(), input, StateTree.EMPTY);
    StateDeltaCodec.Decoder primed = CODEC.decoder();
    ByteBuf full = Unpooled.buffer();
    CODEC.encoder().encode(StateTree.EMPTY, BASELINE, full);
    Map<Object, Object> held;
    try {
      held = primed.decode(full, StateTree.EMPTY);
    } catch (MalformedMessageException e) {
      throw new AssertionError("the baseline does not decode", e);
    }
    int keys = primed.keyCount();
    check(primed, input, held);
    if (!StateTree.deepEquals(held, BASELINE)) {
      throw new AssertionError("decoding changed the baseline");
    }
    if (primed.keyCount() < keys) {
      throw new AssertionError("decoding lost keys");
    }
  }

  private static void check(
      StateDeltaCodec.Decoder decoder, byte[] input, Map<Object, Object> from) {
    int keysBefore = decoder.keyCount();
    Map<Object, Object> got;
    try {
      got = decoder.decode(Unpooled.wrappedBuffer(input), from);
    } catch (MalformedMessageException expected) {
      if (decoder.keyCount() != keysBefore) {
        throw new AssertionError("a rejected delta changed the key table");
      }
      return; // dropped, as a receive loop would
    }
    ByteBuf again = Unpooled.buffer();
    CODEC.encoder().encode(StateTree.EMPTY, got, again);
    Map<Object, Object> back;
    try {
      back = CODEC.decoder().decode(again, StateTree.EMPTY);
    } catch (MalformedMessageException e) {
      throw new AssertionError("a decoded state does not survive its own encoding", e);
    }
    if (!StateTree.deepEquals(back, CODEC.quantize(got))) {
      throw new AssertionError("a decoded state changed through its own encoding");
    }
  }
}
