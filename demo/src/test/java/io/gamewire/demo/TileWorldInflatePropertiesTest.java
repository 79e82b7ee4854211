package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The map decoder on bytes from the wire: it refuses with IllegalArgumentException, or decodes. */
class TileWorldInflatePropertiesTest {
  @Property(tries = 500)
  void anyBlobInflatesToAValidWorldOrIsRefused(
      @ForAll @Size(max = 600) byte[] blob,
      @ForAll @IntRange(min = -2, max = 300) int width,
      @ForAll @IntRange(min = -2, max = 300) int height) {
    try {
      TileWorld w = TileWorld.inflate(width, height, blob);
      assertThat(w.width()).isEqualTo(width);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          assertThat(w.tile(x, y)).isBetween(TileWorld.GROUND, TileWorld.CRATE);
        }
      }
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 200)
  void aGeneratedWorldSurvivesTheTrip(
      @ForAll long seed,
      @ForAll @IntRange(min = 3, max = 256) int width,
      @ForAll @IntRange(min = 3, max = 256) int height) {
    TileWorld w = TileWorld.generate(seed, width, height);
    assertThat(TileWorld.inflate(width, height, w.compress()).sameTiles(w)).isTrue();
  }
}
