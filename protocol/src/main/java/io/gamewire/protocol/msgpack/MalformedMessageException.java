package io.gamewire.protocol.msgpack;

/**
 * Bytes from the wire that are not a valid MessagePack value within the reader's {@link
 * MsgpackLimits}. Checked on purpose: a receive loop must decide to drop the message or close the
 * peer, never let it escape. The message says what was wrong and at which byte offset.
 */
public final class MalformedMessageException extends Exception {

  public MalformedMessageException(String message) {
    super(message);
  }

  public MalformedMessageException(String message, Throwable cause) {
    super(message, cause);
  }
}
