package io.gamewire.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Canvas;
import java.awt.event.KeyEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrowKeysTest {
  private final Canvas source = new Canvas();

  private KeyEvent key(int id, int code) {
    return new KeyEvent(source, id, 0, 0, code, KeyEvent.CHAR_UNDEFINED);
  }

  @Test
  void heldArrowsGiveTheDirectionAndOtherKeysGoToTheHandlerOnPressOnly() {
    List<Integer> other = new ArrayList<>();
    ArrowKeys keys = new ArrowKeys(other::add);
    assertThat(keys.dx()).isZero();
    assertThat(keys.dy()).isZero();

    keys.keyPressed(key(KeyEvent.KEY_PRESSED, KeyEvent.VK_RIGHT));
    keys.keyPressed(key(KeyEvent.KEY_PRESSED, KeyEvent.VK_UP));
    assertThat(keys.dx()).isEqualTo(1);
    assertThat(keys.dy()).isEqualTo(-1);

    keys.keyPressed(key(KeyEvent.KEY_PRESSED, KeyEvent.VK_LEFT)); // both held: they cancel
    assertThat(keys.dx()).isZero();
    keys.keyReleased(key(KeyEvent.KEY_RELEASED, KeyEvent.VK_RIGHT));
    keys.keyReleased(key(KeyEvent.KEY_RELEASED, KeyEvent.VK_UP));
    keys.keyPressed(key(KeyEvent.KEY_PRESSED, KeyEvent.VK_DOWN));
    assertThat(keys.dx()).isEqualTo(-1);
    assertThat(keys.dy()).isEqualTo(1);

    keys.keyPressed(key(KeyEvent.KEY_PRESSED, KeyEvent.VK_SPACE));
    keys.keyReleased(key(KeyEvent.KEY_RELEASED, KeyEvent.VK_SPACE));
    assertThat(other).containsExactly(KeyEvent.VK_SPACE);
  }
}
