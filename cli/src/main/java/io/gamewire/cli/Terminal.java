package io.gamewire.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.Charset;
import java.util.Objects;

/**
 * The standard streams one run of a command uses. Commands take their streams from here, never from
 * {@code System.in}/{@code System.out}, so tests and the demo can run them in-process with their
 * own input and capture what they print. Writers flush on every line.
 */
public record Terminal(Reader in, PrintWriter out, PrintWriter err) {
  public Terminal {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
  }

  /** The process's own streams, in the platform charset. */
  public static Terminal system() {
    Charset cs = Charset.defaultCharset();
    return new Terminal(
        new BufferedReader(new InputStreamReader(System.in, cs)),
        new PrintWriter(new OutputStreamWriter(System.out, cs), true),
        new PrintWriter(new OutputStreamWriter(System.err, cs), true));
  }
}
