package io.gamewire.protocol.packet;

import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The packets a side knows: names ({@code namespace:category.name}) to ids to codecs and guards.
 * peng3dnet's internal packets are always present with their reserved ids (1, 2, 3, 4, 16); ids
 * below 64 are assigned by hand, and packets registered without an id get the next free id from 64
 * on, in registration order. Immutable once built, so one registry serves every connection; a
 * connection that adopts a server's ids keeps its own id map (see {@link PacketConnection}).
 */
public final class PacketRegistry {
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9_\\-]+:[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*");
  private static final int MAX_NAME_LENGTH = 256;

  private final List<PacketType<?>> types;
  private final Map<String, PacketType<?>> byName;
  private final IntObjectHashMap<PacketType<?>> byId;

  private PacketRegistry(List<PacketType<?>> types) {
    this.types = List.copyOf(types);
    this.byName = new HashMap<>();
    this.byId = new IntObjectHashMap<>(types.size() * 2);
    for (PacketType<?> t : types) {
      byName.put(t.name(), t);
      byId.put(t.id(), t);
    }
  }

  /** A builder that already holds peng3dnet's internal packets. */
  public static Builder builder() {
    return new Builder();
  }

  /** The packet with this name, or null. */
  public PacketType<?> byName(String name) {
    return byName.get(name);
  }

  /** The packet with this id in this registry, or null. */
  public PacketType<?> byId(int id) {
    return byId.get(id);
  }

  /** Every packet, internal ones first, in registration order. */
  public List<PacketType<?>> types() {
    return types;
  }

  public int size() {
    return types.size();
  }

  /** Names to ids, as the handshake packet carries them. */
  public Map<String, Long> toWireMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (PacketType<?> t : types) {
      m.put(t.name(), (long) t.id());
    }
    return Collections.unmodifiableMap(m);
  }

  /** Validates a packet name, throwing an exception that says what is wrong. */
  static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "packet name '"
              + name
              + "' is not of the form namespace:category.name (letters, digits, '_' and '-', at most "
              + MAX_NAME_LENGTH
              + " characters)");
    }
  }

  /** Collects packet definitions; not thread-safe. */
  public static final class Builder {
    private final List<PacketType<?>> types = new ArrayList<>();
    private final Map<String, PacketType<?>> names = new HashMap<>();
    private final Map<Integer, PacketType<?>> ids = new HashMap<>();
    private int nextAutomatic = PacketIds.FIRST_AUTOMATIC;

    private Builder() {
      PacketGuard internal = PacketGuard.DEFAULT;
      add(PacketIds.HELLO_NAME, PacketIds.HELLO, PacketCodec.map(), internal);
      add(PacketIds.SET_TYPE_NAME, PacketIds.SET_TYPE, PacketCodec.map(), internal);
      add(PacketIds.HANDSHAKE_NAME, PacketIds.HANDSHAKE, PacketCodec.map(), internal);
      add(PacketIds.HANDSHAKE_ACCEPT_NAME, PacketIds.HANDSHAKE_ACCEPT, PacketCodec.map(), internal);
      add(PacketIds.CLOSE_CONNECTION_NAME, PacketIds.CLOSE_CONNECTION, PacketCodec.map(), internal);
    }

    /** Registers a packet whose body is any MessagePack value, with the next automatic id. */
    public PacketType<Object> register(String name) {
      return register(name, PacketCodec.value());
    }

    /** Registers a packet with the next automatic id and the default guard. */
    public <T> PacketType<T> register(String name, PacketCodec<T> codec) {
      return register(name, codec, PacketGuard.DEFAULT);
    }

    /** Registers a guarded packet with the next automatic id. */
    public <T> PacketType<T> register(String name, PacketCodec<T> codec, PacketGuard guard) {
      checkUserName(name);
      while (ids.containsKey(nextAutomatic)) {
        nextAutomatic++;
      }
      return add(name, nextAutomatic++, codec, guard);
    }

    /** Registers a packet with a fixed id (ids below 64 are the manual range). */
    public <T> PacketType<T> register(
        String name, int id, PacketCodec<T> codec, PacketGuard guard) {
      checkUserName(name);
      if (id < 0) {
        throw new IllegalArgumentException("packet id " + id + " for '" + name + "' is negative");
      }
      return add(name, id, codec, guard);
    }

    public PacketRegistry build() {
      return new PacketRegistry(types);
    }

    private void checkUserName(String name) {
      checkName(name);
      if (name.startsWith("peng3dnet:")) {
        throw new IllegalArgumentException(
            "packet name '" + name + "' uses the reserved namespace 'peng3dnet'");
      }
    }

    private <T> PacketType<T> add(String name, int id, PacketCodec<T> codec, PacketGuard guard) {
      Objects.requireNonNull(codec, "codec");
      Objects.requireNonNull(guard, "guard");
      PacketType<?> sameName = names.get(name);
      if (sameName != null) {
        throw new IllegalArgumentException(
            "packet '" + name + "' is already registered (id " + sameName.id() + ")");
      }
      PacketType<?> sameId = ids.get(id);
      if (sameId != null) {
        throw new IllegalArgumentException(
            "packet id " + id + " for '" + name + "' is already taken by '" + sameId.name() + "'");
      }
      PacketType<T> type = new PacketType<>(name, id, types.size(), codec, guard);
      types.add(type);
      names.put(name, type);
      ids.put(id, type);
      return type;
    }
  }
}
