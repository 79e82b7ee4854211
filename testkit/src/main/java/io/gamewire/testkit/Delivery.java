package io.gamewire.testkit;

import java.net.InetSocketAddress;

/**
 * One datagram coming out of a {@link SimulatedNetwork}. {@code bytes} is the network's own copy;
 * the receiver may keep or change it.
 */
public record Delivery(
    InetSocketAddress from,
    InetSocketAddress to,
    byte[] bytes,
    long sentAtNanos,
    long arrivalNanos) {}
