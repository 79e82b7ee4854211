package io.gamewire.protocol.realtime;

/**
 * What one realtime endpoint did with the datagrams it received and the handshake replies it sent,
 * as a snapshot (docs/PROTOCOL.md section 8, "Counters"). Every datagram that is dropped lands in
 * exactly one of the drop counters; none of them throws out of the receive path.
 *
 * @param received datagrams handed to the endpoint
 * @param notRealtime too short for a header, or another protocol id
 * @param malformed a bad kind, flag, sequence, body or connect-token length
 * @param unpadded handshake requests shorter than the padded minimum
 * @param unknownAddress payload, keepalive or disconnect from an address with no connection
 * @param wrongToken from a connected address, but carrying another token (spoofed or stale)
 * @param duplicates a sequence the connection has already received (replays, proxy duplicates)
 * @param rejected messages on a channel or in a delivery mode this end does not have
 * @param challengesSent stateless challenges sent
 * @param challengesRefused challenge responses whose MAC did not verify or that were too old
 * @param deniedSent denials sent (server full, version mismatch)
 * @param addressBusy verified responses with a new nonce from an address still connected
 * @param repliesDropped handshake replies dropped: the reply queue was full, or a reply would not
 *     have been smaller than what it answered
 */
public record DatagramCounters(
    long received,
    long notRealtime,
    long malformed,
    long unpadded,
    long unknownAddress,
    long wrongToken,
    long duplicates,
    long rejected,
    long challengesSent,
    long challengesRefused,
    long deniedSent,
    long addressBusy,
    long repliesDropped) {

  /** Received datagrams that were dropped for any reason. */
  public long dropped() {
    return notRealtime
        + malformed
        + unpadded
        + unknownAddress
        + wrongToken
        + duplicates
        + rejected
        + challengesRefused
        + addressBusy;
  }
}
