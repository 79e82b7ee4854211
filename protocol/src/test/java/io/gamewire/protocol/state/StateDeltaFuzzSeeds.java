package io.gamewire.protocol.state;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the seed corpus of {@link StateDeltaDecoderFuzzTest} into src/test/resources. Only runs
 * when asked: {@code mvn -pl protocol -am test -Dtest=StateDeltaFuzzSeeds
 * -Dsurefire.failIfNoSpecifiedTests=false -Dgamewire.writeFuzzSeeds=true}.
 */
class StateDeltaFuzzSeeds {
  static final Path DIR =
      Path.of(
          "src/test/resources/io/gamewire/protocol/state/"
              + "StateDeltaDecoderFuzzTestInputs/decoderOnlyFailsAsMalformed");

  @Test
  @EnabledIfSystemProperty(named = "gamewire.writeFuzzSeeds", matches = "true")
  void writeSeeds() throws IOException {
    Files.createDirectories(DIR);
    StateDeltaCodec codec = StateDeltaDecoderFuzzTest.CODEC;
    Map<Object, Object> base = StateDeltaDecoderFuzzTest.BASELINE;
    StateDeltaCodec.Encoder e = codec.encoder();
    byte[] full = encode(e, StateTree.EMPTY, base);
    write("full-state", full);
    write("truncated-full-state", Arrays.copyOf(full, full.length / 2));
    Map<Object, Object> moved = new LinkedHashMap<>(base);
    Map<Object, Object> players = new LinkedHashMap<>((Map<?, ?>) base.get("players"));
    players.put(
        2L, StateDeltaDecoderFuzzTest.ordered("name", "bob", "position", List.of(-2.5, 4.01)));
    players.remove(7L);
    players.put(
        9L,
        StateDeltaDecoderFuzzTest.ordered(
            "name", "dee", "bytes", new byte[] {1, 2}, "ok", List.of()));
    moved.put("players", players);
    moved.put("countdown", 4.45);
    moved.put("new key", null);
    write("delta-from-baseline", encode(e, base, StateTree.freeze(moved, false)));
    write(
        "depth-bomb",
        bits(
            w -> {
              header(w, 0, 0);
              for (int i = 0; i < 40; i++) {
                w.bit(true);
                w.signed(0, StateDeltaCodec.K_FIRST_KEY);
                w.bits(StateDeltaCodec.OP_SET, 3);
                w.bits(StateDeltaCodec.TAG_MAP, 4);
              }
            }));
    write(
        "huge-list-claim",
        bits(
            w -> {
              header(w, 0, 0);
              w.bit(true);
              w.signed(0, StateDeltaCodec.K_FIRST_KEY);
              w.bits(StateDeltaCodec.OP_SET, 3);
              w.bits(StateDeltaCodec.TAG_LIST, 4);
              w.varint(Long.MAX_VALUE, StateDeltaCodec.K_LIST_LENGTH);
            }));
    write(
        "huge-key-definitions",
        bits(
            w -> {
              header(w, 0, Integer.MAX_VALUE);
            }));
    write(
        "huge-string-claim",
        bits(
            w -> {
              header(w, 0, 1);
              w.varint(1L << 62, StateDeltaCodec.K_LENGTH);
            }));
    write(
        "bad-utf8-key",
        bits(
            w -> {
              header(w, 0, 1);
              w.varint(2, StateDeltaCodec.K_LENGTH);
              w.bits(0xC328, 16);
              w.bit(false);
              w.bit(false);
            }));
    write(
        "unknown-key-id",
        bits(
            w -> {
              header(w, 5, 0);
              w.bit(false);
              w.bit(true);
              w.bits(6, 3);
            }));
    write(
        "delete-missing-and-delta-on-string",
        bits(
            w -> {
              header(w, 0, 0);
              w.bit(true);
              w.signed(3, StateDeltaCodec.K_FIRST_KEY);
              w.bits(StateDeltaCodec.OP_DELETE, 3);
              w.bit(false);
              w.bit(true);
              w.bits(1, 3);
              w.bits(StateDeltaCodec.OP_DELTA, 2);
              w.signed(1, StateDeltaCodec.K_NUMBER);
              w.bit(false);
            }));
    write(
        "key-past-max-long",
        bits(
            w -> {
              header(w, 0, 0);
              w.bit(true);
              w.signed(Long.MAX_VALUE, StateDeltaCodec.K_FIRST_KEY);
              w.bits(StateDeltaCodec.OP_SET, 3);
              w.bits(StateDeltaCodec.TAG_NULL, 4);
              w.bit(true);
              w.varint(0, StateDeltaCodec.K_KEY_GAP);
            }));
  }

  private static void header(BitWriter w, long base, long count) {
    w.varint(base, StateDeltaCodec.K_COUNT);
    w.varint(count, StateDeltaCodec.K_COUNT);
  }

  private static byte[] bits(Consumer<BitWriter> script) {
    ByteBuf out = Unpooled.buffer();
    BitWriter w = new BitWriter().reset(out);
    w.bits(StateDeltaCodec.K_NUMBER, StateDeltaCodec.DELTA_ORDER_BITS); // every delta starts so
    script.accept(w);
    w.finish();
    return ByteBufUtil.getBytes(out);
  }

  private static byte[] encode(
      StateDeltaCodec.Encoder e, Map<Object, Object> from, Map<Object, Object> to) {
    ByteBuf out = Unpooled.buffer();
    e.encode(from, to, out);
    return ByteBufUtil.getBytes(out);
  }

  private static void write(String name, byte[] bytes) throws IOException {
    Files.write(DIR.resolve(name), bytes);
  }
}
