package io.gamewire.protocol.packet;

import java.util.Objects;

/**
 * A kind of connection the client asks for with {@code settype}. {@code classic} runs the full
 * handshake with registry sync; {@code ping} is the one-off query of the ping extension; an
 * application may register its own types, which either run the registry handshake too or become
 * established right after {@code settype} (peng3dnet lets custom types skip steps 3 and 4).
 *
 * @param name the name sent in {@code settype}
 * @param syncsRegistry whether steps 3 and 4 of the handshake run
 */
public record ConnectionType(String name, boolean syncsRegistry) {
  public static final ConnectionType CLASSIC = new ConnectionType("classic", true);
  public static final ConnectionType PING = new ConnectionType("ping", false);

  public ConnectionType {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > 64) {
      throw new IllegalArgumentException("connection type name must have 1 to 64 characters");
    }
  }

  /** Whether this is the ping extension's type. */
  public boolean isPing() {
    return name.equals(PING.name);
  }
}
