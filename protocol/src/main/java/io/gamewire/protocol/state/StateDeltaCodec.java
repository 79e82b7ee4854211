package io.gamewire.protocol.state;

import io.gamewire.protocol.msgpack.MalformedMessageException;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The native profile's wire encoding of a state change: the bit-packed delta from one {@link
 * StateTree} version to another, as laid out in docs/STATE-SYNC.md ("Native state delta").
 *
 * <p>The sender keeps one {@link Encoder} per game (its string-key table is shared by every client)
 * and the receiver one {@link Decoder} per connection. {@code decoder.decode(encoder.encode(from,
 * to), from)} is a frozen version deep-equal to {@link #quantize quantize(to)} that shares every
 * untouched subtree with {@code from}. With a float quantum, run the server's state through {@link
 * #quantize} so that it equals what the clients rebuild.
 */
public final class StateDeltaCodec {
  // Map entry operations (prefix codes, most significant bit first).
  static final int OP_DESCEND = 0b00;
  static final int OP_DELTA = 0b01;
  static final int OP_LIST = 0b10;
  static final int OP_SET = 0b110;
  static final int OP_DELETE = 0b111;

  // Value tags, 4 bits.
  static final int TAG_NULL = 0;
  static final int TAG_FALSE = 1;
  static final int TAG_TRUE = 2;
  static final int TAG_INT = 3;
  static final int TAG_FLOAT_Q = 4;
  static final int TAG_FLOAT32 = 5;
  static final int TAG_FLOAT64 = 6;
  static final int TAG_STRING = 7;
  static final int TAG_BYTES = 8;
  static final int TAG_LIST = 9;
  static final int TAG_MAP = 10;
  static final int TAG_BITS = 4;

  // Orders of the variable-length code (BitWriter#varint).
  static final int K_COUNT = 0;
  static final int K_FIRST_KEY = 3;
  static final int K_KEY_GAP = 0;
  static final int K_NUMBER = 4;

  /** Bits of the delta-order field that starts every delta: numeric deltas use s(0..15). */
  static final int DELTA_ORDER_BITS = 4;

  static final int K_LENGTH = 3;
  static final int K_LIST_LENGTH = 2;

  private final StateCodecConfig config;
  private final FloatQuantum quantum;

  public StateDeltaCodec(StateCodecConfig config) {
    this.config = config;
    this.quantum = new FloatQuantum(config.floatQuantum());
  }

  public StateCodecConfig config() {
    return config;
  }

  /** A sender: one per game, not thread-safe. */
  public Encoder encoder() {
    return new Encoder(config, quantum);
  }

  /** A receiver: one per connection, not thread-safe. */
  public Decoder decoder() {
    return new Decoder(config, quantum);
  }

  /**
   * {@code tree} with every float rounded to the quantum, as a receiver rebuilds it; subtrees
   * without a float to round are returned as they are (the same object), so quantizing twice gives
   * back the first result. Without a quantum returns {@code tree}.
   */
  public Map<Object, Object> quantize(Map<Object, Object> tree) {
    if (!quantum.enabled()) {
      return tree;
    }
    return StateTree.cast((Map<?, ?>) quantizeValue(tree));
  }

  private Object quantizeValue(Object v) {
    if (v instanceof Double d) {
      long n = quantum.index(d);
      if (n == FloatQuantum.NONE) {
        return v;
      }
      Double r = quantum.boxed(n);
      return r.equals(d) ? v : r;
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = null;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object q = quantizeValue(e.getValue());
        if (q != e.getValue()) {
          if (out == null) {
            out = new LinkedHashMap<>(StateTree.cast(m));
          }
          out.put(e.getKey(), q);
        }
      }
      return out == null ? v : Collections.unmodifiableMap(out);
    }
    if (v instanceof List<?> l) {
      Object[] out = null;
      for (int i = 0; i < l.size(); i++) {
        Object q = quantizeValue(l.get(i));
        if (q != l.get(i)) {
          if (out == null) {
            out = l.toArray();
          }
          out[i] = q;
        }
      }
      return out == null ? v : Collections.unmodifiableList(Arrays.asList(out));
    }
    return v;
  }

  /** Whether two leaves decode to the same value under this quantum. */
  static boolean sameLeaf(FloatQuantum quantum, Object a, Object b) {
    if (a instanceof Double x && b instanceof Double y) {
      long nx = quantum.index(x);
      if (nx != FloatQuantum.NONE) {
        return nx == quantum.index(y);
      }
      return quantum.index(y) == FloatQuantum.NONE
          && Double.doubleToLongBits(x) == Double.doubleToLongBits(y);
    }
    return StateTree.deepEquals(a, b);
  }

  /**
   * Encodes the change from one version to the next. Holds the string-key table and remembers, for
   * the last {@value #RECORDED_VERSIONS} versions it encoded to, how many keys a receiver holding
   * that version knows.
   */
  public static final class Encoder {
    static final int RECORDED_VERSIONS = 256;

    private final StateCodecConfig config;
    private final FloatQuantum quantum;
    private final KeyTable keys;
    private final BitWriter w = new BitWriter();
    private final Object[] recordedVersion = new Object[RECORDED_VERSIONS];
    private final int[] recordedKeys = new int[RECORDED_VERSIONS];
    private int recordNext;

    /**
     * The order numeric deltas are written with: the one that would have served the last delta
     * best, when that saves a byte; a delta is written again at once only when another order saves
     * an eighth of its numeric bits (docs/STATE-SYNC.md).
     */
    private int deltaOrder = K_NUMBER;

    /** Deltas written twice because the order changed a lot (tests read it). */
    long rewrites;

    private int order; // of the delta being written
    private final int[] deltaBitLengths = new int[65]; // numeric deltas written, by zigzag length
    private Level[] levels = new Level[4];

    Encoder(StateCodecConfig config, FloatQuantum quantum) {
      this.config = config;
      this.quantum = quantum;
      this.keys = new KeyTable(config.maxKeys());
    }

    /** How many string keys the table holds now. */
    public int keyCount() {
      return keys.size();
    }

    /**
     * How many keys a receiver holding {@code version} knows: recorded when this encoder first
     * encoded to it, 0 for {@link StateTree#EMPTY} and for a version it does not remember (then a
     * delta carries the whole table).
     */
    public int keyCountAt(Map<Object, Object> version) {
      if (version == StateTree.EMPTY) {
        return 0;
      }
      for (int i = 0; i < RECORDED_VERSIONS; i++) {
        if (recordedVersion[i] == version) {
          return recordedKeys[i];
        }
      }
      return 0;
    }

    /**
     * Appends the delta from {@code from} (the version the receiver holds, or {@link
     * StateTree#EMPTY}) to {@code to} to {@code out}, taking the receiver's key count from {@link
     * #keyCountAt}. Both must be frozen trees.
     */
    public void encode(Map<Object, Object> from, Map<Object, Object> to, ByteBuf out) {
      encode(from, keyCountAt(from), to, out);
    }

    /**
     * Appends the delta from {@code from} to {@code to}, for a receiver that knows the first {@code
     * fromKeyCount} keys of the table (0 for a receiver without state). Returns the key count a
     * receiver knows after decoding it; record it with {@code to} if you track key counts yourself.
     */
    public int encode(
        Map<Object, Object> from, int fromKeyCount, Map<Object, Object> to, ByteBuf out) {
      if (fromKeyCount < 0 || fromKeyCount > keys.size()) {
        throw new IllegalArgumentException(
            "fromKeyCount "
                + fromKeyCount
                + " is outside 0.."
                + keys.size()
                + "; pass the count this encoder returned for the receiver's version, or 0");
      }
      int start = out.writerIndex();
      try {
        write(from, fromKeyCount, to, out, deltaOrder);
        int best = bestDeltaOrder();
        if (best != deltaOrder) {
          long bits = deltaBits(deltaOrder);
          if (8 * (bits - deltaBits(best)) >= bits) {
            // Keys the first pass numbered are in the table now: this pass defines them up front.
            out.writerIndex(start);
            write(from, fromKeyCount, to, out, best);
            rewrites++;
          }
          deltaOrder = best; // for the next delta, which most likely moves alike
        }
      } catch (RuntimeException e) {
        out.writerIndex(start);
        w.reset(null);
        for (Level lv : levels) {
          if (lv != null) {
            lv.clear();
          }
        }
        throw e;
      }
      record(to);
      return keys.size();
    }

    private void write(
        Map<Object, Object> from,
        int fromKeyCount,
        Map<Object, Object> to,
        ByteBuf out,
        int numericOrder) {
      order = numericOrder;
      Arrays.fill(deltaBitLengths, 0);
      w.reset(out);
      w.bits(numericOrder, DELTA_ORDER_BITS);
      w.varint(fromKeyCount, K_COUNT);
      w.varint(keys.size() - fromKeyCount, K_COUNT);
      for (int i = fromKeyCount; i < keys.size(); i++) {
        writeString(keys.key(i));
      }
      writeMapDiff(from, to, 0);
      w.finish();
    }

    /**
     * The order that would have written the numeric deltas of the last delta in the fewest bits, if
     * it saves at least a byte over the current one; else the current one.
     */
    private int bestDeltaOrder() {
      long current = deltaBits(order);
      int best = order;
      long bestBits = current;
      for (int k = 0; k < 1 << DELTA_ORDER_BITS; k++) {
        long bits = deltaBits(k);
        if (bits < bestBits) {
          best = k;
          bestBits = bits;
        }
      }
      return current - bestBits >= 8 ? best : order;
    }

    /** Bits the numeric deltas of the last delta take at order {@code k}. */
    private long deltaBits(int k) {
      long sum = 0;
      for (int len = 0; len <= 64; len++) {
        int n = deltaBitLengths[len];
        if (n != 0) {
          int l = Math.max(0, len - k); // bit length of v >>> k
          sum += (long) n * (l + (l < 64 - k ? 1 : 0) + Math.max(0, l - 1) + k);
        }
      }
      return sum;
    }

    private void writeDelta(long delta) {
      long z = BitWriter.zigzag(delta);
      deltaBitLengths[64 - Long.numberOfLeadingZeros(z)]++;
      w.varint(z, order);
    }

    private void record(Map<Object, Object> version) {
      if (version == StateTree.EMPTY) {
        return;
      }
      for (int i = 0; i < RECORDED_VERSIONS; i++) {
        if (recordedVersion[i] == version) {
          return;
        }
      }
      recordedVersion[recordNext] = version;
      recordedKeys[recordNext] = keys.size();
      recordNext = (recordNext + 1) % RECORDED_VERSIONS;
    }

    private Level level(int depth) {
      if (depth >= levels.length) {
        levels = Arrays.copyOf(levels, Math.max(depth + 1, levels.length * 2));
      }
      Level lv = levels[depth];
      if (lv == null) {
        lv = levels[depth] = new Level();
      }
      return lv;
    }

    private void checkDepth(int depth) {
      if (depth > config.maxDepth()) {
        throw new IllegalArgumentException(
            "state nests deeper than maxDepth " + config.maxDepth() + "; raise it in the config");
      }
    }

    /** Writes the entries that differ; returns false (and has written only terminators) if none. */
    private boolean writeMapDiff(Map<?, ?> from, Map<?, ?> to, int depth) {
      checkDepth(depth);
      Level lv = level(depth);
      // forEach, not entrySet(): an unmodifiable map's entry iterator wraps every entry
      lv.from = from;
      lv.added = 0;
      to.forEach(lv);
      int added = lv.added;
      if (from.size() + added > to.size()) {
        for (Object key : from.keySet()) {
          if (!to.containsKey(key)) {
            lv.add(key, from.get(key), true, StateTree.DELETE);
          }
        }
      }
      lv.sortInts();
      boolean any = false;
      try {
        long prev = 0;
        boolean first = true;
        for (int i = 0; i < lv.ints; i++) {
          long mark = w.mark();
          long key = lv.intKeys[i];
          w.bit(true);
          if (first) {
            w.signed(key, K_FIRST_KEY);
          } else {
            w.varint(key - prev - 1, K_KEY_GAP);
          }
          if (writeOp(lv.intBefore[i], lv.intPresent[i], lv.intNow[i], depth)) {
            any = true;
            first = false;
            prev = key;
          } else {
            w.rewind(mark);
          }
        }
        w.bit(false);
        for (int i = 0; i < lv.strs; i++) {
          long mark = w.mark();
          int keysBefore = keys.size();
          w.bit(true);
          writeKey(lv.strKeys[i]);
          if (writeOp(lv.strBefore[i], lv.strPresent[i], lv.strNow[i], depth)) {
            any = true;
          } else {
            w.rewind(mark);
            keys.truncate(keysBefore);
          }
        }
        w.bit(false);
      } finally {
        lv.clear();
      }
      return any;
    }

    private void writeKey(String key) {
      int size = keys.size();
      int width = 32 - Integer.numberOfLeadingZeros(size);
      int id = keys.id(key);
      if (id >= 0) {
        w.bits(id, width);
        return;
      }
      w.bits(size, width);
      writeString(key);
      if (!keys.full()) {
        keys.add(key);
      }
    }

    private boolean writeOp(Object before, boolean present, Object now, int depth) {
      if (now == StateTree.DELETE) {
        w.bits(OP_DELETE, 3);
        return true;
      }
      if (present) {
        if (before instanceof Map<?, ?> b && now instanceof Map<?, ?> n) {
          w.bits(OP_DESCEND, 2);
          return writeMapDiff(b, n, depth + 1);
        }
        if (before instanceof List<?> b && now instanceof List<?> n && b.size() == n.size()) {
          w.bits(OP_LIST, 2);
          return writeListDiff(b, n, depth + 1);
        }
        if (sameLeaf(quantum, before, now)) {
          return false;
        }
        long delta = numericDelta(before, now);
        if (delta != NO_DELTA) {
          w.bits(OP_DELTA, 2);
          writeDelta(delta);
          return true;
        }
      }
      w.bits(OP_SET, 3);
      writeValue(now, depth + 1);
      return true;
    }

    private static final long NO_DELTA = Long.MIN_VALUE;

    /**
     * The delta to send for a number that changed, when it is shorter than sending the value (and
     * never {@link Long#MIN_VALUE}, which stands for "send the value").
     */
    private long numericDelta(Object before, Object now) {
      if (before instanceof Long b && now instanceof Long n) {
        long d = n - b;
        if (d != NO_DELTA
            && BitWriter.varintBits(BitWriter.zigzag(d), order)
                < 1 + TAG_BITS + BitWriter.varintBits(BitWriter.zigzag(n), K_NUMBER)) {
          return d;
        }
      } else if (before instanceof Double b && now instanceof Double n) {
        long nb = quantum.index(b);
        long nn = quantum.index(n);
        if (nb != FloatQuantum.NONE && nn != FloatQuantum.NONE) {
          long d = nn - nb;
          if (BitWriter.varintBits(BitWriter.zigzag(d), order)
              < 1 + TAG_BITS + BitWriter.varintBits(BitWriter.zigzag(nn), K_NUMBER)) {
            return d;
          }
        }
      }
      return NO_DELTA;
    }

    /** One bit per element (changed or not), then the changed element's operation. */
    private boolean writeListDiff(List<?> before, List<?> now, int depth) {
      checkDepth(depth);
      boolean any = false;
      for (int i = 0, n = now.size(); i < n; i++) {
        Object b = before.get(i);
        Object v = now.get(i);
        if (b == v) {
          w.bit(false);
          continue;
        }
        long mark = w.mark();
        w.bit(true);
        boolean changed;
        if (b instanceof Map<?, ?> bm && v instanceof Map<?, ?> vm) {
          w.bits(0b110, 3);
          changed = writeMapDiff(bm, vm, depth + 1);
        } else if (b instanceof List<?> bl && v instanceof List<?> vl && bl.size() == vl.size()) {
          w.bits(0b111, 3);
          changed = writeListDiff(bl, vl, depth + 1);
        } else if (sameLeaf(quantum, b, v)) {
          changed = false;
        } else {
          long delta = numericDelta(b, v);
          if (delta != NO_DELTA) {
            w.bit(false);
            writeDelta(delta);
          } else {
            w.bits(0b10, 2);
            writeValue(v, depth + 1);
          }
          changed = true;
        }
        if (changed) {
          any = true;
        } else {
          w.rewind(mark);
          w.bit(false);
        }
      }
      return any;
    }

    private void writeValue(Object v, int depth) {
      if (v == null) {
        w.bits(TAG_NULL, TAG_BITS);
      } else if (v instanceof Boolean b) {
        w.bits(b ? TAG_TRUE : TAG_FALSE, TAG_BITS);
      } else if (v instanceof Long l) {
        w.bits(TAG_INT, TAG_BITS);
        w.signed(l, K_NUMBER);
      } else if (v instanceof Double d) {
        long n = quantum.index(d);
        if (n != FloatQuantum.NONE) {
          w.bits(TAG_FLOAT_Q, TAG_BITS);
          w.signed(n, K_NUMBER);
        } else if (Double.doubleToLongBits((float) (double) d) == Double.doubleToLongBits(d)) {
          w.bits(TAG_FLOAT32, TAG_BITS);
          w.bits(Float.floatToIntBits((float) (double) d), 32);
        } else {
          w.bits(TAG_FLOAT64, TAG_BITS);
          w.bits(Double.doubleToLongBits(d), 64);
        }
      } else if (v instanceof String s) {
        w.bits(TAG_STRING, TAG_BITS);
        writeString(s);
      } else if (v instanceof byte[] bytes) {
        w.bits(TAG_BYTES, TAG_BITS);
        writeBytes(bytes);
      } else if (v instanceof List<?> l) {
        checkDepth(depth);
        w.bits(TAG_LIST, TAG_BITS);
        w.varint(l.size(), K_LIST_LENGTH);
        for (Object item : l) {
          writeValue(item, depth + 1);
        }
      } else if (v instanceof Map<?, ?> m) {
        w.bits(TAG_MAP, TAG_BITS);
        writeMapDiff(StateTree.EMPTY, m, depth);
      } else {
        throw new IllegalArgumentException(
            "a state value must be null, boolean, long, double, string, byte[], list or map; found "
                + v.getClass().getName()
                + (v == StateTree.DELETE ? " (DELETE belongs in updates, not states)" : ""));
      }
    }

    private void writeString(String s) {
      for (int i = 0, n = s.length(); i < n; i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)
            && i + 1 < n
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          throw new IllegalArgumentException(
              "a state string holds an unpaired surrogate at index "
                  + i
                  + "; it has no UTF-8 form");
        }
      }
      writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private void writeBytes(byte[] bytes) {
      if (bytes.length > config.maxStringBytes()) {
        throw new IllegalArgumentException(
            "a state string or byte array of "
                + bytes.length
                + " bytes exceeds maxStringBytes "
                + config.maxStringBytes());
      }
      w.varint(bytes.length, K_LENGTH);
      for (byte b : bytes) {
        w.bits(b, 8);
      }
    }
  }

  /** The changed entries of one map, integer keys to be sent in ascending order. */
  private static final class Level implements BiConsumer<Object, Object> {
    Map<?, ?> from;
    int added;
    long[] intKeys = new long[8];
    Object[] intBefore = new Object[8];
    Object[] intNow = new Object[8];
    boolean[] intPresent = new boolean[8];
    int ints;
    String[] strKeys = new String[8];
    Object[] strBefore = new Object[8];
    Object[] strNow = new Object[8];
    boolean[] strPresent = new boolean[8];
    int strs;

    /** Collects an entry of the new map that is not the same object in {@link #from}. */
    @Override
    public void accept(Object key, Object now) {
      Object before = from.get(key);
      boolean present = before != null || from.containsKey(key);
      if (present && before == now) {
        return;
      }
      if (!present) {
        added++;
      }
      add(key, before, present, now);
    }

    void add(Object key, Object before, boolean present, Object now) {
      if (key instanceof Long l) {
        if (ints == intKeys.length) {
          int n = ints * 2;
          intKeys = Arrays.copyOf(intKeys, n);
          intBefore = Arrays.copyOf(intBefore, n);
          intNow = Arrays.copyOf(intNow, n);
          intPresent = Arrays.copyOf(intPresent, n);
        }
        intKeys[ints] = l;
        intBefore[ints] = before;
        intNow[ints] = now;
        intPresent[ints] = present;
        ints++;
      } else if (key instanceof String s) {
        if (strs == strKeys.length) {
          int n = strs * 2;
          strKeys = Arrays.copyOf(strKeys, n);
          strBefore = Arrays.copyOf(strBefore, n);
          strNow = Arrays.copyOf(strNow, n);
          strPresent = Arrays.copyOf(strPresent, n);
        }
        strKeys[strs] = s;
        strBefore[strs] = before;
        strNow[strs] = now;
        strPresent[strs] = present;
        strs++;
      } else {
        throw new IllegalArgumentException(
            "a state key must be a String or a Long (freeze the tree with StateTree.freeze); found "
                + (key == null ? "null" : key.getClass().getName()));
      }
    }

    void sortInts() {
      for (int i = 1; i < ints; i++) {
        if (intKeys[i - 1] > intKeys[i]) {
          sort(0, ints - 1);
          return;
        }
      }
    }

    private void sort(int lo, int hi) {
      while (hi - lo > 16) {
        int mid = (lo + hi) >>> 1;
        if (intKeys[mid] < intKeys[lo]) {
          swap(mid, lo);
        }
        if (intKeys[hi] < intKeys[lo]) {
          swap(hi, lo);
        }
        if (intKeys[hi] < intKeys[mid]) {
          swap(hi, mid);
        }
        long pivot = intKeys[mid];
        int i = lo;
        int j = hi;
        while (i <= j) {
          while (intKeys[i] < pivot) {
            i++;
          }
          while (intKeys[j] > pivot) {
            j--;
          }
          if (i <= j) {
            swap(i++, j--);
          }
        }
        if (j - lo < hi - i) {
          sort(lo, j);
          lo = i;
        } else {
          sort(i, hi);
          hi = j;
        }
      }
      for (int i = lo + 1; i <= hi; i++) {
        for (int j = i; j > lo && intKeys[j - 1] > intKeys[j]; j--) {
          swap(j, j - 1);
        }
      }
    }

    private void swap(int a, int b) {
      long k = intKeys[a];
      intKeys[a] = intKeys[b];
      intKeys[b] = k;
      Object o = intBefore[a];
      intBefore[a] = intBefore[b];
      intBefore[b] = o;
      o = intNow[a];
      intNow[a] = intNow[b];
      intNow[b] = o;
      boolean p = intPresent[a];
      intPresent[a] = intPresent[b];
      intPresent[b] = p;
    }

    void clear() {
      from = null;
      Arrays.fill(intBefore, 0, ints, null);
      Arrays.fill(intNow, 0, ints, null);
      Arrays.fill(strKeys, 0, strs, null);
      Arrays.fill(strBefore, 0, strs, null);
      Arrays.fill(strNow, 0, strs, null);
      ints = 0;
      strs = 0;
    }
  }

  /**
   * Applies deltas to the versions this receiver holds. Bytes from the wire are not trusted: every
   * length is checked against the bits left and the config's caps before anything is allocated, and
   * any violation fails with {@link MalformedMessageException} and leaves the key table as it was.
   */
  public static final class Decoder {
    private final StateCodecConfig config;
    private final FloatQuantum quantum;
    private final BitReader r = new BitReader();
    private final ArrayList<String> keys = new ArrayList<>();
    private final CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] scratch = new byte[64];
    private int messageKeys;
    private int deltaOrder; // of the delta being read
    private PersistentMap.Edit edit; // of the delta being read
    private PersistentMap.Builder[] builders = new PersistentMap.Builder[8];
    private long nodes;
    private long outputBytes;

    Decoder(StateCodecConfig config, FloatQuantum quantum) {
      this.config = config;
      this.quantum = quantum;
    }

    /** How many string keys this receiver knows. */
    public int keyCount() {
      return keys.size();
    }

    /** {@link #decode(ByteBuf, Map)} of a whole array, read in place. */
    public Map<Object, Object> decode(byte[] delta, Map<Object, Object> from)
        throws MalformedMessageException {
      r.reset(delta);
      return decodeReset(from);
    }

    /**
     * Reads every readable byte of {@code in} as one delta against {@code from} (the version the
     * sender encoded against) and returns the new version.
     */
    public Map<Object, Object> decode(ByteBuf in, Map<Object, Object> from)
        throws MalformedMessageException {
      r.reset(in);
      return decodeReset(from);
    }

    /** Decodes what the bit reader was just reset to; keys it defined are undone if it fails. */
    private Map<Object, Object> decodeReset(Map<Object, Object> from)
        throws MalformedMessageException {
      int committed = keys.size();
      try {
        return readDelta(from);
      } catch (MalformedMessageException e) {
        truncateKeys(committed);
        throw e;
      } catch (RuntimeException e) {
        // A malformed delta met a state it does not fit; never let that escape as anything else.
        truncateKeys(committed);
        throw new MalformedMessageException("state delta does not fit the state: " + e, e);
      }
    }

    private Map<Object, Object> readDelta(Map<Object, Object> from)
        throws MalformedMessageException {
      edit = new PersistentMap.Edit(); // nothing built under it is handed out before we return
      nodes = 0;
      outputBytes = 0;
      readHead();
      Map<Object, Object> out = readMapDiff(from, 0);
      r.expectEnd();
      return out;
    }

    /** The delta's numeric order and its key definitions. */
    private void readHead() throws MalformedMessageException {
      deltaOrder = (int) r.bits(DELTA_ORDER_BITS);
      long base = r.count(K_COUNT);
      if (base > keys.size()) {
        throw new MalformedMessageException(
            "state delta assumes " + base + " known keys, this receiver has " + keys.size());
      }
      long count = r.count(K_COUNT);
      if (count > config.maxKeys() - base) {
        throw new MalformedMessageException(
            "state delta defines keys up to " + (base + count) + ", over " + config.maxKeys());
      }
      messageKeys = (int) base;
      for (long i = 0; i < count; i++) {
        define(readString());
      }
    }

    private void truncateKeys(int size) {
      while (keys.size() > size) {
        keys.remove(keys.size() - 1);
      }
    }

    /**
     * Defines the next key id as {@code key} and returns the table's instance of it. Keys are
     * interned, so that every client in a process shares one instance of each key: its hash stays
     * in cache, and map lookups compare it by identity first.
     */
    private String define(String key) throws MalformedMessageException {
      int id = messageKeys;
      if (id < keys.size()) {
        if (!keys.get(id).equals(key)) {
          throw new MalformedMessageException(
              "state delta redefines key " + id + " as '" + key + "', known as '" + keys.get(id));
        }
      } else {
        keys.add(key.intern());
      }
      messageKeys++;
      return keys.get(id);
    }

    private void count(long n) throws MalformedMessageException {
      nodes += n;
      if (nodes > config.maxNodes()) {
        throw new MalformedMessageException(
            "state delta creates more than maxNodes " + config.maxNodes() + " values");
      }
    }

    private void checkDepth(int depth) throws MalformedMessageException {
      if (depth > config.maxDepth()) {
        throw new MalformedMessageException(
            "state delta nests deeper than maxDepth " + config.maxDepth());
      }
    }

    private Map<Object, Object> readMapDiff(Map<Object, Object> old, int depth)
        throws MalformedMessageException {
      checkDepth(depth);
      PersistentMap.Builder out = null;
      long prev = 0;
      boolean first = true;
      while (r.bit()) {
        long key;
        if (first) {
          key = r.signed(K_FIRST_KEY);
          first = false;
        } else {
          long gap = r.varint(K_KEY_GAP);
          if (prev == Long.MAX_VALUE || Long.compareUnsigned(gap, Long.MAX_VALUE - prev - 1) > 0) {
            throw new MalformedMessageException("state delta integer key runs past 2^63-1");
          }
          key = prev + 1 + gap;
        }
        prev = key;
        if (out == null) {
          out = builderAt(depth).restart(persistent(old), edit);
        }
        readOp(out, key, depth);
      }
      while (r.bit()) {
        String key = readKey();
        if (out == null) {
          out = builderAt(depth).restart(persistent(old), edit);
        }
        readOp(out, key, depth);
      }
      return out == null ? old : out.build();
    }

    /**
     * The version's map as a {@link PersistentMap}, so that the ops that follow copy only the paths
     * they change. Versions this decoder built already are one; another map (the empty state, a
     * test's base) is converted once, and that copy counts against maxNodes.
     */
    private PersistentMap persistent(Map<Object, Object> old) throws MalformedMessageException {
      if (old instanceof PersistentMap p) {
        return p;
      }
      count(old.size());
      return PersistentMap.copyOf(old);
    }

    /** The builder for maps at {@code depth}: one per depth, since a map's ops nest deeper. */
    private PersistentMap.Builder builderAt(int depth) {
      if (depth >= builders.length) {
        builders = Arrays.copyOf(builders, Math.max(depth + 1, 2 * builders.length));
      }
      PersistentMap.Builder b = builders[depth];
      if (b == null) {
        b = builders[depth] = PersistentMap.idleBuilder();
      }
      return b;
    }

    private String readKey() throws MalformedMessageException {
      int width = 32 - Integer.numberOfLeadingZeros(messageKeys);
      long id = r.bits(width);
      if (id < messageKeys) {
        return keys.get((int) id);
      }
      if (id > messageKeys) {
        throw new MalformedMessageException(
            "state delta key id " + id + " is beyond the " + messageKeys + " known");
      }
      String key = readString();
      return messageKeys < config.maxKeys() ? define(key) : key;
    }

    private void readOp(PersistentMap.Builder map, Object key, int depth)
        throws MalformedMessageException {
      Object before = map.getOrDefault(key, PersistentMap.ABSENT);
      boolean present = before != PersistentMap.ABSENT;
      if (!present) {
        before = null;
      }
      int op = (int) r.bits(2);
      switch (op) {
        case OP_DESCEND -> {
          if (!(before instanceof Map<?, ?> m)) {
            throw new MalformedMessageException("state delta descends into a non-map at " + key);
          }
          map.put(key, readMapDiff(StateTree.cast(m), depth + 1));
        }
        case OP_DELTA -> map.put(key, applyDelta(before, key));
        case OP_LIST -> {
          if (!(before instanceof List<?> l)) {
            throw new MalformedMessageException("state delta patches a non-list at " + key);
          }
          map.put(key, readListDiff(l, depth + 1));
        }
        default -> {
          if (r.bit()) {
            if (!present) {
              throw new MalformedMessageException("state delta deletes missing key " + key);
            }
            map.remove(key);
          } else {
            map.put(key, readValue(depth + 1));
          }
        }
      }
    }

    private Object applyDelta(Object before, Object where) throws MalformedMessageException {
      long d = r.signed(deltaOrder);
      if (before instanceof Long l) {
        return l + d;
      }
      if (before instanceof Double x) {
        long n = quantum.index(x);
        if (n != FloatQuantum.NONE) {
          long m = n + d;
          if (d >= -2 * FloatQuantum.LIMIT
              && d <= 2 * FloatQuantum.LIMIT
              && m > -FloatQuantum.LIMIT
              && m < FloatQuantum.LIMIT) {
            return quantum.boxed(m);
          }
          throw new MalformedMessageException("state delta moves a float out of range at " + where);
        }
      }
      throw new MalformedMessageException(
          "state delta adds a number to a value that takes none at " + where);
    }

    private List<Object> readListDiff(List<?> old, int depth) throws MalformedMessageException {
      checkDepth(depth);
      count(old.size());
      Object[] items = old.toArray();
      for (int i = 0; i < items.length; i++) {
        if (!r.bit()) {
          continue;
        }
        if (!r.bit()) {
          items[i] = applyDelta(items[i], i);
        } else if (!r.bit()) {
          items[i] = readValue(depth + 1);
        } else if (!r.bit()) {
          if (!(items[i] instanceof Map<?, ?> m)) {
            throw new MalformedMessageException("state delta descends into a non-map at [" + i);
          }
          items[i] = readMapDiff(StateTree.cast(m), depth + 1);
        } else {
          if (!(items[i] instanceof List<?> l)) {
            throw new MalformedMessageException("state delta patches a non-list at [" + i);
          }
          items[i] = readListDiff(l, depth + 1);
        }
      }
      return Collections.unmodifiableList(Arrays.asList(items));
    }

    private Object readValue(int depth) throws MalformedMessageException {
      count(1);
      int tag = (int) r.bits(TAG_BITS);
      switch (tag) {
        case TAG_NULL:
          return null;
        case TAG_FALSE:
          return Boolean.FALSE;
        case TAG_TRUE:
          return Boolean.TRUE;
        case TAG_INT:
          return r.signed(K_NUMBER);
        case TAG_FLOAT_Q:
          {
            if (!quantum.enabled()) {
              throw new MalformedMessageException(
                  "state delta holds a quantized float, no quantum");
            }
            long n = r.signed(K_NUMBER);
            if (n <= -FloatQuantum.LIMIT || n >= FloatQuantum.LIMIT) {
              throw new MalformedMessageException("state delta quantized float out of range");
            }
            return quantum.boxed(n);
          }
        case TAG_FLOAT32:
          return (double) Float.intBitsToFloat((int) r.bits(32));
        case TAG_FLOAT64:
          return Double.longBitsToDouble(r.bits(64));
        case TAG_STRING:
          return readString();
        case TAG_BYTES:
          {
            int n = readLength();
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
              b[i] = (byte) r.bits(8);
            }
            return b;
          }
        case TAG_LIST:
          {
            checkDepth(depth);
            long n = r.count(K_LIST_LENGTH);
            if (n > r.remaining() / TAG_BITS) {
              throw new MalformedMessageException(
                  "state delta list of " + n + " items is longer than the bits left");
            }
            count(n);
            Object[] items = new Object[(int) n];
            for (int i = 0; i < items.length; i++) {
              items[i] = readValue(depth + 1);
            }
            return Collections.unmodifiableList(Arrays.asList(items));
          }
        case TAG_MAP:
          return readMapDiff(StateTree.EMPTY, depth);
        default:
          throw new MalformedMessageException("state delta has unknown value tag " + tag);
      }
    }

    private int readLength() throws MalformedMessageException {
      long n = r.count(K_LENGTH);
      if (n > config.maxStringBytes()) {
        throw new MalformedMessageException(
            "state delta string of " + n + " bytes exceeds maxStringBytes");
      }
      if (n * 8 > r.remaining()) {
        throw new MalformedMessageException(
            "state delta string of " + n + " bytes is longer than the bits left");
      }
      outputBytes += n;
      if (outputBytes > config.maxOutputBytes()) {
        throw new MalformedMessageException("state delta exceeds maxOutputBytes");
      }
      return (int) n;
    }

    private String readString() throws MalformedMessageException {
      int n = readLength();
      if (scratch.length < n) {
        scratch = new byte[Math.max(n, scratch.length * 2)];
      }
      for (int i = 0; i < n; i++) {
        scratch[i] = (byte) r.bits(8);
      }
      try {
        return utf8.reset().decode(ByteBuffer.wrap(scratch, 0, n)).toString();
      } catch (CharacterCodingException e) {
        throw new MalformedMessageException("state delta string is not valid UTF-8", e);
      }
    }
  }
}
