package io.gamewire.protocol.packet;

/**
 * One registered packet: its name ({@code namespace:category.name}), its id in the registry that
 * defined it, how its body is encoded, and when it may travel. Obtained from {@link
 * PacketRegistry.Builder#register}; compare by identity.
 *
 * @param <T> the Java type of the body
 */
public final class PacketType<T> {
  private final String name;
  private final int id;
  private final int index;
  private final PacketCodec<T> codec;
  private final PacketGuard guard;
  private final boolean internal;

  PacketType(String name, int id, int index, PacketCodec<T> codec, PacketGuard guard) {
    this.name = name;
    this.id = id;
    this.index = index;
    this.codec = codec;
    this.guard = guard;
    this.internal = name.startsWith("peng3dnet:");
  }

  public String name() {
    return name;
  }

  /** The id in the registry that defined this type; a connection may use another after sync. */
  public int id() {
    return id;
  }

  /** Position in the registry that defined it (0 for the first internal packet), for arrays. */
  public int index() {
    return index;
  }

  public PacketCodec<T> codec() {
    return codec;
  }

  public PacketGuard guard() {
    return guard;
  }

  /** Whether this is one of peng3dnet's internal packets. */
  public boolean isInternal() {
    return internal; // asked for every frame received
  }

  @Override
  public String toString() {
    return name + "#" + id;
  }
}
