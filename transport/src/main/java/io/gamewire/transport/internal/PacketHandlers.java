package io.gamewire.transport.internal;

import io.gamewire.protocol.packet.PacketRegistry;
import io.gamewire.protocol.packet.PacketType;
import io.gamewire.transport.Connection;
import io.gamewire.transport.PacketHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packet handlers of one server or client, indexed by packet type: at most one per type, and
 * only for types of the registry it was made for. A handler that throws is logged; the connection
 * goes on.
 */
public final class PacketHandlers {
  private static final Logger log = LoggerFactory.getLogger(PacketHandlers.class);

  private final PacketRegistry registry;
  private final PacketHandler<?>[] byIndex;

  public PacketHandlers(PacketRegistry registry) {
    this.registry = registry;
    this.byIndex = new PacketHandler<?>[registry.size()];
  }

  /** Sets the handler for {@code type}; {@code owner} names the server or client in errors. */
  public <T> void set(PacketType<T> type, PacketHandler<? super T> handler, String owner) {
    int i = type.index();
    if (i >= registry.size() || registry.types().get(i) != type) {
      throw new IllegalArgumentException(
          "packet " + type + " is not in this " + owner + "'s registry");
    }
    if (byIndex[i] != null) {
      throw new IllegalArgumentException("packet " + type.name() + " already has a handler");
    }
    byIndex[i] = handler;
  }

  /** Runs the handler for {@code type}, if there is one. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void dispatch(Connection c, PacketType<?> type, Object body) {
    PacketHandler h = byIndex[type.index()];
    if (h != null) {
      try {
        h.handle(c, body);
      } catch (Exception e) {
        log.warn("handler for {} failed on {}", type.name(), c, e);
      }
    }
  }
}
