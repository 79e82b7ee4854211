package io.gamewire.cli.examples;

/**
 * Makes text from the wire safe to print: control characters (which could move the cursor or
 * recolour the terminal) become {@code ?}, and very long text is cut.
 */
final class TerminalText {
  static final int MAX_PRINTED_CHARS = 2000;

  private TerminalText() {}

  static String safe(String s) {
    int n = Math.min(s.length(), MAX_PRINTED_CHARS);
    StringBuilder sb = new StringBuilder(n + 1);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      sb.append(Character.isISOControl(c) && c != '\t' ? '?' : c);
    }
    if (n < s.length()) {
      sb.append('…');
    }
    return sb.toString();
  }
}
