package io.gamewire.protocol.pygase;

import java.util.List;

/**
 * A decoded client package: header, the client's time order and its events.
 *
 * @param sequence 1..65535
 * @param ack newest sequence the client has received from the server, 0 for none
 * @param ackBitfield bit 31 = {@code ack-1} received … bit 0 = {@code ack-32}
 * @param timeOrder the time order of the client's state, 0 for none
 */
public record PygaseClientPackage(
    int sequence, int ack, int ackBitfield, int timeOrder, List<PygaseEvent> events) {}
