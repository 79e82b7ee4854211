package io.gamewire.demo;

import java.util.Arrays;
import java.util.Random;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The tile map: {@code width × height} tiles, one byte each, row by row. {@link #generate} makes
 * the same world from the same seed; {@link #compress} and {@link #inflate} carry it to a client
 * (raw DEFLATE of the tile bytes, inflated with a hard size cap).
 */
public final class TileWorld {
  public static final byte GROUND = 0;
  public static final byte WALL = 1;
  public static final byte WATER = 2;

  /** A crate: blocks movement until a player breaks it, then it is ground. */
  public static final byte CRATE = 3;

  /** Largest map a client accepts: 256 × 256 tiles. */
  public static final int MAX_SIDE = 256;

  private final int width;
  private final int height;
  private final byte[] tiles;

  private TileWorld(int width, int height, byte[] tiles) {
    this.width = width;
    this.height = height;
    this.tiles = tiles;
  }

  /** A world with a wall border, lakes, wall clusters and crates, the same for the same seed. */
  public static TileWorld generate(long seed, int width, int height) {
    checkSize(width, height);
    Random random = new Random(seed);
    byte[] t = new byte[width * height];
    TileWorld w = new TileWorld(width, height, t);
    int area = width * height;
    for (int lake = 0; lake < Math.max(1, area / 600); lake++) {
      w.blob(random, WATER, 2 + random.nextInt(3));
    }
    for (int cluster = 0; cluster < Math.max(1, area / 150); cluster++) {
      w.blob(random, WALL, 1);
    }
    for (int i = 0; i < area / 12; i++) {
      int x = random.nextInt(width);
      int y = random.nextInt(height);
      if (t[y * width + x] == GROUND) {
        t[y * width + x] = CRATE;
      }
    }
    for (int x = 0; x < width; x++) {
      t[x] = WALL;
      t[(height - 1) * width + x] = WALL;
    }
    for (int y = 0; y < height; y++) {
      t[y * width] = WALL;
      t[y * width + width - 1] = WALL;
    }
    return w;
  }

  private void blob(Random random, byte tile, int radius) {
    int cx = random.nextInt(width);
    int cy = random.nextInt(height);
    for (int y = cy - radius; y <= cy + radius; y++) {
      for (int x = cx - radius; x <= cx + radius; x++) {
        int dx = x - cx;
        int dy = y - cy;
        if (inside(x, y) && dx * dx + dy * dy <= radius * radius + random.nextInt(2)) {
          tiles[y * width + x] = tile;
        }
      }
    }
  }

  private static void checkSize(int width, int height) {
    if (width < 3 || height < 3 || width > MAX_SIDE || height > MAX_SIDE) {
      throw new IllegalArgumentException(
          "a world is 3.." + MAX_SIDE + " tiles on each side, was " + width + "×" + height);
    }
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public boolean inside(int x, int y) {
    return x >= 0 && y >= 0 && x < width && y < height;
  }

  /** The generated tile at (x, y); outside the map, a wall. */
  public byte tile(int x, int y) {
    return inside(x, y) ? tiles[y * width + x] : WALL;
  }

  /** The index of (x, y), the key of a changed tile in the state's {@code tiles} map. */
  public int index(int x, int y) {
    return y * width + x;
  }

  public static boolean walkable(int tile) {
    return tile == GROUND;
  }

  public static boolean breakable(int tile) {
    return tile == CRATE;
  }

  /** The tiles, deflated. */
  public byte[] compress() {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
    try {
      d.setInput(tiles);
      d.finish();
      byte[] buf = new byte[tiles.length + 64];
      int n = 0;
      while (!d.finished()) {
        if (n == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
        n += d.deflate(buf, n, buf.length - n);
      }
      return Arrays.copyOf(buf, n);
    } finally {
      d.end();
    }
  }

  /**
   * The world a server sent: {@code blob} must inflate to exactly {@code width × height} tile bytes
   * of known kinds. Inflation stops at that size, so a bomb costs nothing.
   *
   * @throws IllegalArgumentException when the sizes or the bytes are bad (bytes from the wire: the
   *     caller treats it as a refused map)
   */
  public static TileWorld inflate(int width, int height, byte[] blob) {
    checkSize(width, height);
    if (blob == null || blob.length > 2 * width * height + 64) {
      throw new IllegalArgumentException("the map blob is missing or too large");
    }
    byte[] t = new byte[width * height];
    Inflater inf = new Inflater(true);
    try {
      inf.setInput(blob);
      int n = 0;
      while (n < t.length) {
        int got = inf.inflate(t, n, t.length - n);
        if (got == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
          break;
        }
        n += got;
      }
      byte[] probe = new byte[1];
      if (n != t.length || (!inf.finished() && inf.inflate(probe) > 0)) {
        throw new IllegalArgumentException(
            "the map blob does not inflate to " + t.length + " tiles");
      }
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("the map blob is not DEFLATE data: " + e.getMessage());
    } finally {
      inf.end();
    }
    for (byte b : t) {
      if (b < GROUND || b > CRATE) {
        throw new IllegalArgumentException("the map holds an unknown tile kind " + b);
      }
    }
    return new TileWorld(width, height, t);
  }

  /** Whether both hold the same tiles. */
  public boolean sameTiles(TileWorld other) {
    return width == other.width && height == other.height && Arrays.equals(tiles, other.tiles);
  }
}
