package io.gamewire.protocol.realtime;

/**
 * How a message too large for one datagram is cut into fragments (docs/PROTOCOL.md section 4).
 * Every fragment but the last carries exactly {@link #fragmentBytes()} bytes and the last carries
 * the rest (1 to {@code fragmentBytes()} bytes), so fragment {@code i} starts at {@code i *
 * fragmentBytes()}. This is the shape {@link FragmentAssembler} insists on when it reassembles.
 *
 * <p>Pure arithmetic on a fixed budget; nothing is allocated. Arguments that break the rules are
 * the caller's mistake and throw {@link IllegalArgumentException}.
 */
public final class Fragmenter {
  /** The datagram size a connection assumes unless told otherwise, header included. */
  public static final int DEFAULT_MTU_BYTES = 1200;

  /** The largest message a connection sends or reassembles unless configured otherwise. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

  /** Fragment index and count are u16 on the wire. */
  public static final int MAX_FRAGMENTS = 0xffff;

  /**
   * The smallest fragment a receiver accepts for any fragment but the last. It bounds how many
   * fragments a message can claim ({@code ceil(maxMessageBytes / MIN_FRAGMENT_BYTES)}) and hence
   * the receiver's bookkeeping; a 576-byte IPv4 path still leaves twice this much.
   */
  public static final int MIN_FRAGMENT_BYTES = 256;

  /**
   * Worst-case bytes a fragment's message header takes inside PAYLOAD: channel, flags, message id,
   * fragment index, fragment count and a 3-byte length varint.
   */
  public static final int FRAGMENT_HEADER_BYTES = 1 + 1 + 2 + 2 + 2 + 3;

  /** The fragment budget for {@link #DEFAULT_MTU_BYTES}: one fragment alone in a datagram. */
  public static final int DEFAULT_FRAGMENT_BYTES = fragmentBytesFor(DEFAULT_MTU_BYTES);

  private final int maxMessageBytes;
  private final int fragmentBytes;

  /** A fragmenter with the default maximum message size and the default MTU's budget. */
  public Fragmenter() {
    this(DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_FRAGMENT_BYTES);
  }

  /**
   * A fragmenter for messages up to {@code maxMessageBytes}, cut into fragments of {@code
   * fragmentBytes} (at least {@link #MIN_FRAGMENT_BYTES}). The pair must not need more than {@link
   * #MAX_FRAGMENTS} fragments for the largest message.
   */
  public Fragmenter(int maxMessageBytes, int fragmentBytes) {
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException(
          "maxMessageBytes must be positive, was " + maxMessageBytes);
    }
    if (fragmentBytes < MIN_FRAGMENT_BYTES) {
      throw new IllegalArgumentException(
          "fragmentBytes must be at least "
              + MIN_FRAGMENT_BYTES
              + " (receivers refuse smaller fragments), was "
              + fragmentBytes);
    }
    if (ceilDiv(maxMessageBytes, fragmentBytes) > MAX_FRAGMENTS) {
      throw new IllegalArgumentException(
          "a "
              + maxMessageBytes
              + "-byte message would need more than "
              + MAX_FRAGMENTS
              + " fragments of "
              + fragmentBytes
              + " bytes: raise fragmentBytes or lower maxMessageBytes");
    }
    this.maxMessageBytes = maxMessageBytes;
    this.fragmentBytes = fragmentBytes;
  }

  /**
   * The fragment budget left in a datagram of {@code mtuBytes} after the packet header and one
   * fragment's message header.
   */
  public static int fragmentBytesFor(int mtuBytes) {
    int budget = mtuBytes - RealtimeHeader.BYTES - FRAGMENT_HEADER_BYTES;
    if (budget < MIN_FRAGMENT_BYTES) {
      throw new IllegalArgumentException(
          "an MTU of "
              + mtuBytes
              + " bytes leaves "
              + budget
              + " bytes per fragment, below the minimum of "
              + MIN_FRAGMENT_BYTES);
    }
    return budget;
  }

  /** The largest message this fragmenter accepts. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** The length of every fragment but the last. */
  public int fragmentBytes() {
    return fragmentBytes;
  }

  /** Whether a message of {@code messageBytes} fits one fragment (and so needs no cutting). */
  public boolean fitsOneFragment(int messageBytes) {
    checkMessage(messageBytes);
    return messageBytes <= fragmentBytes;
  }

  /**
   * How many fragments a message of {@code messageBytes} takes: 1 for an empty message, otherwise
   * {@code ceil(messageBytes / fragmentBytes())}, never more than {@link #MAX_FRAGMENTS}.
   */
  public int count(int messageBytes) {
    checkMessage(messageBytes);
    return messageBytes == 0 ? 1 : ceilDiv(messageBytes, fragmentBytes);
  }

  /** Where fragment {@code index} of a message of {@code messageBytes} starts in the message. */
  public int offset(int messageBytes, int index) {
    checkIndex(messageBytes, index);
    return index * fragmentBytes;
  }

  /** How many bytes fragment {@code index} of a message of {@code messageBytes} carries. */
  public int length(int messageBytes, int index) {
    checkIndex(messageBytes, index);
    return Math.min(fragmentBytes, messageBytes - index * fragmentBytes);
  }

  private void checkMessage(int messageBytes) {
    if (messageBytes < 0 || messageBytes > maxMessageBytes) {
      throw new IllegalArgumentException(
          "message of "
              + messageBytes
              + " bytes is outside 0.."
              + maxMessageBytes
              + " (the maximum message size): split it in the application or raise the limit");
    }
  }

  private void checkIndex(int messageBytes, int index) {
    int count = count(messageBytes);
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException(
          "fragment index " + index + " is outside 0.." + (count - 1) + " for this message");
    }
  }

  private static int ceilDiv(int a, int b) {
    return (int) (((long) a + b - 1) / b);
  }
}
