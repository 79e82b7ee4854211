package io.gamewire.transport;

import io.gamewire.protocol.packet.CloseReasons;

/**
 * Client and server disagree on the packet registry; the message names every packet that differs.
 * Register the same packets in the same order on both sides, or relax {@code RegistrySync}.
 */
public final class RegistryMismatchException extends HandshakeFailedException {
  public RegistryMismatchException(String message) {
    super(CloseReasons.REGISTRY_MISMATCH, message);
  }
}
