package io.gamewire.transport;

/**
 * Handles one kind of packet on arrival. Runs on the connection's listener executor (see the
 * builders), one packet at a time per connection, in arrival order.
 *
 * @param <T> the body type
 */
@FunctionalInterface
public interface PacketHandler<T> {
  void handle(Connection connection, T body) throws Exception;
}
