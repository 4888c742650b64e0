// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.sandbox.TerminalSize;
import java.io.File;
import java.io.IOException;
import java.util.Optional;

/** Puts the controlling terminal in raw mode for an interactive shell and restores it, with stty. */
interface Terminal {

    /** A terminal left as it is (no TTY). */
    Terminal NONE = new Terminal() {
        @Override
        public void restore() {
        }

        @Override
        public Optional<TerminalSize> size() {
            return Optional.empty();
        }
    };

    /** Restores the terminal's settings. */
    void restore();

    /** Its size when it was switched to raw mode (the guest's terminal is made the same), or empty for none. */
    Optional<TerminalSize> size();

    /** Switches /dev/tty to raw mode without echo (keys go to the guest's shell as typed). */
    static Terminal raw() throws IOException, InterruptedException {
        String saved = stty("-g").strip();
        Optional<TerminalSize> size = Optional.of(parseSize(stty("size")));
        stty("raw", "-echo");
        return new Terminal() {
            @Override
            public void restore() {
                try {
                    stty(saved);
                } catch (IOException e) {
                    System.err.println("hearth: could not restore the terminal (" + e.getMessage()
                            + "); run 'stty sane'");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public Optional<TerminalSize> size() {
                return size;
            }
        };
    }

    /** The controlling terminal's width in columns ({@code stty size}), or empty when there is none or it fails. */
    static Optional<Integer> columns() {
        try {
            TerminalSize size = parseSize(stty("size"));
            return Optional.of(size.cols());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** {@code stty size}'s "ROWS COLS"; a terminal that says 0 (a serial line, say) is taken as the default. */
    static TerminalSize parseSize(String sttySize) {
        String[] f = sttySize.strip().split("\\s+");
        try {
            int rows = Integer.parseInt(f[0]);
            int cols = f.length == 2 ? Integer.parseInt(f[1]) : 0;
            return rows > 0 && cols > 0 ? new TerminalSize(rows, cols) : TerminalSize.DEFAULT;
        } catch (IllegalArgumentException e) { // not numbers, or beyond TerminalSize's bounds
            return TerminalSize.DEFAULT;
        }
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("stty " + String.join(" ", args) + " failed: " + out.strip());
        }
        return out;
    }
}
