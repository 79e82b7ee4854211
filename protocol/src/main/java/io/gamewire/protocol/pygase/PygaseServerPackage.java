package io.gamewire.protocol.pygase;

import java.util.List;

/**
 * A decoded server package: header, the state update for this client and the server's events.
 *
 * @param sequence 1..65535
 * @param ack newest sequence the server has received from the client, 0 for none
 * @param ackBitfield bit 31 = {@code ack-1} received … bit 0 = {@code ack-32}
 */
public record PygaseServerPackage(
    int sequence, int ack, int ackBitfield, PygaseUpdate update, List<PygaseEvent> events) {}
