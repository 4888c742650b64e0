package dev.hearth.cli;

import java.io.File;
import java.io.IOException;

/** Puts the controlling terminal in raw mode for an interactive shell and restores it, with stty. */
interface Terminal {

    /** A terminal left as it is (no TTY). */
    Terminal NONE = () -> { };

    /** Restores the terminal's settings. */
    void restore();

    /** Switches /dev/tty to raw mode without echo (keys go to the guest's shell as typed). */
    static Terminal raw() throws IOException, InterruptedException {
        String saved = stty("-g").strip();
        stty("raw", "-echo");
        return () -> {
            try {
                stty(saved);
            } catch (IOException e) {
                System.err.println("hearth: could not restore the terminal (" + e.getMessage() + "); run 'stty sane'");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
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
