package io.gamewire.bench.tcp;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Just enough JSON output for benchmark results: objects, arrays, strings, numbers and booleans,
 * indented by two spaces. Calls must nest correctly; the writer checks names against objects but is
 * otherwise trusting, since its only callers are in this package.
 */
public final class JsonWriter {
  private final StringBuilder out = new StringBuilder();

  /** The open objects and arrays, innermost first. */
  private final Deque<Level> open = new ArrayDeque<>();

  private boolean afterName;

  private static final class Level {
    final boolean object;
    boolean hasMember;

    Level(boolean object) {
      this.object = object;
    }
  }

  public JsonWriter beginObject() {
    beforeValue();
    out.append('{');
    push(true);
    return this;
  }

  public JsonWriter endObject() {
    return close('}');
  }

  public JsonWriter beginArray() {
    beforeValue();
    out.append('[');
    push(false);
    return this;
  }

  public JsonWriter endArray() {
    return close(']');
  }

  public JsonWriter name(String name) {
    if (open.isEmpty() || !open.peek().object || afterName) {
      throw new IllegalStateException("a name belongs directly inside an object: " + name);
    }
    separate();
    string(name);
    out.append(": ");
    afterName = true;
    return this;
  }

  public JsonWriter value(String value) {
    beforeValue();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    return this;
  }

  public JsonWriter value(long value) {
    beforeValue();
    out.append(value);
    return this;
  }

  public JsonWriter value(boolean value) {
    beforeValue();
    out.append(value);
    return this;
  }

  /**
   * Writes {@code value} rounded half-up to {@code decimals} places; NaN and infinities as null.
   */
  public JsonWriter value(double value, int decimals) {
    beforeValue();
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      out.append("null");
    } else {
      out.append(
          BigDecimal.valueOf(value)
              .setScale(decimals, RoundingMode.HALF_UP)
              .stripTrailingZeros()
              .toPlainString());
    }
    return this;
  }

  @Override
  public String toString() {
    if (!open.isEmpty()) {
      throw new IllegalStateException(open.size() + " object(s) or array(s) still open");
    }
    return out.append('\n').toString();
  }

  private void push(boolean object) {
    open.push(new Level(object));
  }

  private JsonWriter close(char bracket) {
    boolean wantObject = bracket == '}';
    if (open.isEmpty() || open.peek().object != wantObject || afterName) {
      throw new IllegalStateException("unbalanced '" + bracket + "'");
    }
    if (open.pop().hasMember) {
      newline();
    }
    out.append(bracket);
    return this;
  }

  private void beforeValue() {
    if (afterName) {
      afterName = false;
      return;
    }
    if (!open.isEmpty()) {
      if (open.peek().object) {
        throw new IllegalStateException("a value inside an object needs a name first");
      }
      separate();
    } else if (out.length() > 0) {
      throw new IllegalStateException("a JSON document has one top-level value");
    }
  }

  /** Writes the comma (if any) and line break before the next member of the innermost container. */
  private void separate() {
    Level level = open.peek();
    if (level.hasMember) {
      out.append(',');
    }
    level.hasMember = true;
    newline();
  }

  private void newline() {
    out.append('\n');
    out.append("  ".repeat(open.size()));
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
