package io.gamewire.protocol.realtime;

/**
 * Per-channel 16-bit message ids. Unlike packet sequences they use all 65536 values (0 included)
 * and wrap from 65535 to 0; an id is newer than another when it is 1..32767 steps ahead.
 */
public final class MessageId {
  private MessageId() {}

  public static int next(int id) {
    return (id + 1) & 0xffff;
  }

  /** Steps from {@code b} forward to {@code a}, 0..65535. */
  public static int distance(int a, int b) {
    return (a - b) & 0xffff;
  }

  public static boolean isNewer(int a, int b) {
    int d = distance(a, b);
    return d != 0 && d < 0x8000;
  }
}
