package io.gamewire.protocol.msgpack;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;

/**
 * Jazzer target for the reader. Without {@code JAZZER_FUZZ} set it runs in regression mode: once on
 * an empty input and once per file in {@code
 * MsgpackReaderFuzzTestInputs/readerOnlyFailsAsMalformed/} under src/test/resources, which holds
 * known-bad inputs (depth bomb, huge claimed lengths, truncations, bad UTF-8, extension types). Run
 * {@code JAZZER_FUZZ=1 mvn -pl protocol test -Dtest=MsgpackReaderFuzzTest} to fuzz for real.
 */
class MsgpackReaderFuzzTest {

  /** Small caps so the fuzzer reaches every limit with short inputs. */
  static final MsgpackLimits FUZZ_LIMITS = new MsgpackLimits(64, 64, 16, 16, 6);

  @FuzzTest(maxDuration = "60s")
  void readerOnlyFailsAsMalformed(byte[] input) {
    readOnlyFailsAsMalformed(input);
  }

  enum Mode {
    SLOW,
    FAST
  }

  /** Touches every kind of component codec, and contains itself to reach the depth limit. */
  record Probe(
      String name,
      int count,
      byte small,
      Float ratio,
      Mode mode,
      byte[] blob,
      List<Long> ids,
      Map<String, Probe> children,
      Probe next,
      Object any) {}

  /**
   * Feeds {@code input} to readValue, skipValue, decode and a record read. A {@link
   * MalformedMessageException} is the only acceptable failure, so any other exception propagates
   * and fails the caller.
   */
  static void readOnlyFailsAsMalformed(byte[] input) {
    MsgpackReader reader = new MsgpackReader(FUZZ_LIMITS);
    try {
      reader.reset(input).readValue();
    } catch (MalformedMessageException expected) {
      // dropped, as a receive loop would
    }
    try {
      reader.reset(input).skipValue();
      reader.expectEnd();
    } catch (MalformedMessageException expected) {
      // dropped
    }
    try {
      MsgpackReader.decode(input, FUZZ_LIMITS);
    } catch (MalformedMessageException expected) {
      // dropped
    }
    try {
      RecordCodec.of(Probe.class).read(reader.reset(input));
    } catch (MalformedMessageException expected) {
      // dropped
    }
  }
}
