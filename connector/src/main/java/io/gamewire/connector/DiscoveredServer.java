package io.gamewire.connector;

import java.net.InetSocketAddress;

/** A game server that answered a LAN discovery query: its game endpoint and listing. */
public record DiscoveredServer(
    String serverName, InetSocketAddress address, String game, int players, int capacity) {}
