package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;

class TileWorldTest {
  @Test
  void theSameSeedMakesTheSameWorldWithEveryKindOfTileAndAWallBorder() {
    TileWorld a = TileWorld.generate(7, 64, 48);
    assertThat(a.sameTiles(TileWorld.generate(7, 64, 48))).isTrue();
    assertThat(a.sameTiles(TileWorld.generate(8, 64, 48))).isFalse();
    int[] counts = new int[4];
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        counts[a.tile(x, y)]++;
      }
    }
    assertThat(java.util.Arrays.stream(counts).min().getAsInt()).isPositive();
    assertThat(counts[TileWorld.GROUND]).isGreaterThan(64 * 48 / 2);
    for (int x = 0; x < 64; x++) {
      assertThat(a.tile(x, 0)).isEqualTo(TileWorld.WALL);
      assertThat(a.tile(x, 47)).isEqualTo(TileWorld.WALL);
    }
    assertThat(a.tile(-1, 3)).isEqualTo(TileWorld.WALL);
  }

  @Test
  void theMapCompressesAndInflatesBack() {
    TileWorld a = TileWorld.generate(7, 64, 48);
    byte[] blob = a.compress();
    assertThat(blob.length).isLessThan(64 * 48 / 2);
    assertThat(TileWorld.inflate(64, 48, blob).sameTiles(a)).isTrue();
  }

  @Test
  void inflateRejectsBombsShortDataGarbageAndUnknownTiles() {
    byte[] bomb = deflate(new byte[1_000_000]);
    assertThat(bomb.length).isLessThan(2 * 64 * 48);
    assertThatThrownBy(() -> TileWorld.inflate(64, 48, bomb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not inflate to 3072 tiles");
    assertThatThrownBy(() -> TileWorld.inflate(64, 48, deflate(new byte[100])))
        .hasMessageContaining("does not inflate");
    assertThatThrownBy(() -> TileWorld.inflate(64, 48, new byte[] {(byte) 0xff, 1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] unknown = new byte[64 * 48];
    unknown[5] = 9;
    assertThatThrownBy(() -> TileWorld.inflate(64, 48, deflate(unknown)))
        .hasMessageContaining("unknown tile kind 9");
    assertThatThrownBy(() -> TileWorld.inflate(64, 48, new byte[10_000]))
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> TileWorld.inflate(100_000, 48, new byte[1]))
        .hasMessageContaining("tiles on each side");
  }

  private static byte[] deflate(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(9, true))) {
      d.write(raw);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    return out.toByteArray();
  }
}
