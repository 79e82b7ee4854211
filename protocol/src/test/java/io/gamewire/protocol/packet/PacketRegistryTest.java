package io.gamewire.protocol.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PacketRegistryTest {
  @Test
  void holdsTheInternalPacketsAtTheirReservedIds() {
    PacketRegistry r = PacketRegistry.builder().build();
    assertThat(r.toWireMap())
        .containsExactly(
            java.util.Map.entry("peng3dnet:internal.hello", 1L),
            java.util.Map.entry("peng3dnet:internal.settype", 2L),
            java.util.Map.entry("peng3dnet:internal.handshake", 3L),
            java.util.Map.entry("peng3dnet:internal.handshake.accept", 4L),
            java.util.Map.entry("peng3dnet:internal.closeconn", 16L));
  }

  @Test
  void assignsAutomaticIdsFrom64InRegistrationOrder() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    PacketType<Object> a = b.register("game:a");
    PacketType<Object> manual =
        b.register("game:manual", 65, PacketCodec.value(), PacketGuard.DEFAULT);
    PacketType<Object> c = b.register("game:c");
    PacketType<Object> low = b.register("game:low", 20, PacketCodec.value(), PacketGuard.DEFAULT);
    PacketRegistry r = b.build();
    assertThat(a.id()).isEqualTo(64);
    assertThat(manual.id()).isEqualTo(65);
    assertThat(c.id()).isEqualTo(66);
    assertThat(low.id()).isEqualTo(20);
    assertThat(r.byId(66)).isSameAs(c);
    assertThat(r.byName("game:a")).isSameAs(a);
    assertThat(r.byId(99)).isNull();
  }

  @Test
  void rejectsDuplicateNamesAndIdsWithClearErrors() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    b.register("game:move");
    assertThatThrownBy(() -> b.register("game:move"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("packet 'game:move' is already registered (id 64)");
    assertThatThrownBy(() -> b.register("game:other", 64, PacketCodec.value(), PacketGuard.DEFAULT))
        .hasMessage("packet id 64 for 'game:other' is already taken by 'game:move'");
    assertThatThrownBy(() -> b.register("game:close", 16, PacketCodec.value(), PacketGuard.DEFAULT))
        .hasMessageContaining("already taken by 'peng3dnet:internal.closeconn'");
  }

  @Test
  void rejectsBadNamesAndTheReservedNamespace() {
    PacketRegistry.Builder b = PacketRegistry.builder();
    assertThatThrownBy(() -> b.register("nonamespace")).hasMessageContaining("namespace:category");
    assertThatThrownBy(() -> b.register("a:b..c")).hasMessageContaining("namespace:category");
    assertThatThrownBy(() -> b.register("peng3dnet:internal.mine"))
        .hasMessageContaining("reserved namespace");
    assertThat(b.register("my-game:cat.sub_cat.name").name()).isEqualTo("my-game:cat.sub_cat.name");
  }
}
