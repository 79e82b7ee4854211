package io.gamewire.connector;

import java.util.Map;

/** A game server as a connector's list shows it. */
public record ServerInfo(
    String serverName, String game, int players, int capacity, Map<String, String> metadata) {
  public ServerInfo {
    metadata = Map.copyOf(metadata);
  }
}
