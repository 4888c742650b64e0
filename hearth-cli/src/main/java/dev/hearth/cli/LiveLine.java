// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.units.DurationText;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last line of a long operation's output on a terminal: the current step, its elapsed time and, where a tool's
 * output says one ({@code 45%}, {@code [ 45%]}), a percentage, redrawn in place every half second. Off a terminal it
 * draws nothing (the operation's plain lines say everything). Permanent lines go through {@link #println}, which
 * clears the live line first and redraws it after. Thread-safe: the redraw runs on a daemon thread of its own.
 */
final class LiveLine implements AutoCloseable {

    private static final Pattern PERCENT = Pattern.compile("(?<![0-9])([0-9]{1,3})(?:\\.[0-9]+)?\\s?%");
    /** Erase the line and return to its start (VT100, which every terminal hearth runs on understands). */
    private static final String CLEAR = "\r\033[K";

    private final PrintWriter out;
    private final boolean terminal;
    private ScheduledExecutorService ticker;
    private String step;
    private long startedNanos;
    private int percent = -1;
    private boolean drawn;

    /**
     * @param out where lines go (stderr)
     * @param terminal whether {@code out} is a terminal: false draws no live line
     */
    LiveLine(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** A live line on stderr when this process talks to a terminal. */
    static LiveLine forTerminal(PrintWriter err) {
        return new LiveLine(err, LogLayout.terminal());
    }

    /** A new step begins: its time starts at zero and its percentage is unknown. */
    synchronized void step(String name) {
        step = name;
        startedNanos = System.nanoTime();
        percent = -1;
        if (terminal && ticker == null) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hearth-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::redraw, 0, 500, TimeUnit.MILLISECONDS);
        }
        redraw();
    }

    /** Takes a percentage from a tool's line when it holds one (the last one in it, 0 to 100). */
    synchronized void sawOutput(String line) {
        Matcher m = PERCENT.matcher(line);
        int found = -1;
        while (m.find()) {
            found = Integer.parseInt(m.group(1));
        }
        if (found >= 0 && found <= 100) {
            percent = found;
        }
    }

    /** Prints a permanent line above the live one. */
    synchronized void println(String line) {
        erase();
        out.println(line);
        out.flush();
        redraw();
    }

    /** The step ended: the live line goes until the next step. */
    synchronized void stepEnded() {
        erase();
        step = null;
    }

    /** What the live line shows now, or null when it shows nothing. */
    synchronized String text() {
        if (step == null) {
            return null;
        }
        long s = (System.nanoTime() - startedNanos) / 1_000_000_000L;
        return "==> " + step + " ... " + (s < 60 ? s + "s" : DurationText.format(Duration.ofSeconds(s)))
                + (percent >= 0 ? " (" + percent + "%)" : "");
    }

    private synchronized void redraw() {
        String t = text();
        if (!terminal || t == null) {
            return;
        }
        out.print(CLEAR + t);
        out.flush();
        drawn = true;
    }

    private void erase() {
        if (drawn) {
            out.print(CLEAR);
            drawn = false;
        }
    }

    /** Erases the live line and stops redrawing. */
    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
        erase();
        step = null;
        out.flush();
    }
}
