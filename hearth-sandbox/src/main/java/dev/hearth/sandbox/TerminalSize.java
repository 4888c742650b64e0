// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/**
 * The rows and columns of the terminal a person types in, handed to a shell in a sandbox so that its own terminal
 * is the same size (full-screen programs draw to it).
 */
public record TerminalSize(int rows, int cols) {

    /** What a terminal of unknown size is taken to be. */
    public static final TerminalSize DEFAULT = new TerminalSize(24, 80);

    public TerminalSize {
        if (rows < 1 || cols < 1 || rows > 10_000 || cols > 10_000) {
            throw new IllegalArgumentException("a terminal of 1..10000 rows and columns, not " + rows + "x" + cols);
        }
    }
}
