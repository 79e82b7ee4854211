package io.gamewire.demo;

import java.awt.event.KeyAdapter;
import java.awt.event.KeyEvent;
import java.util.function.IntConsumer;

/**
 * The arrow keys a game window walks with: which are held, as a direction. Any other key pressed
 * goes to {@code onOtherKey}. Read and written on the Swing thread.
 */
public final class ArrowKeys extends KeyAdapter {
  private boolean left;
  private boolean right;
  private boolean up;
  private boolean down;
  private final IntConsumer onOtherKey;

  public ArrowKeys() {
    this(code -> {});
  }

  /**
   * @param onOtherKey gets the key code of every other key pressed (not released)
   */
  public ArrowKeys(IntConsumer onOtherKey) {
    this.onOtherKey = onOtherKey;
  }

  @Override
  public void keyPressed(KeyEvent e) {
    if (!set(e.getKeyCode(), true)) {
      onOtherKey.accept(e.getKeyCode());
    }
  }

  @Override
  public void keyReleased(KeyEvent e) {
    set(e.getKeyCode(), false);
  }

  private boolean set(int code, boolean held) {
    switch (code) {
      case KeyEvent.VK_LEFT -> left = held;
      case KeyEvent.VK_RIGHT -> right = held;
      case KeyEvent.VK_UP -> up = held;
      case KeyEvent.VK_DOWN -> down = held;
      default -> {
        return false;
      }
    }
    return true;
  }

  /** -1 (left), 0 or 1 (right). */
  public double dx() {
    return (right ? 1 : 0) - (left ? 1 : 0);
  }

  /** -1 (up), 0 or 1 (down). */
  public double dy() {
    return (down ? 1 : 0) - (up ? 1 : 0);
  }
}
