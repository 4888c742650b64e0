// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.BuildProgress;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Shows the steps of a long operation, each with the time it took, as plain lines; on a terminal a live last line
 * also shows the current step's elapsed time and, where its tool's output says one, a percentage ({@link LiveLine}).
 * Not thread-safe.
 */
final class ConsoleProgress implements BuildProgress, AutoCloseable {

    private final LiveLine live;
    private final boolean details;
    private long stepStart;
    private String current;

    ConsoleProgress(PrintWriter out, boolean details) {
        this(LiveLine.forTerminal(out), details);
    }

    ConsoleProgress(LiveLine live, boolean details) {
        this.live = live;
        this.details = details;
    }

    @Override
    public void step(String name) {
        finishStep();
        current = name;
        stepStart = System.nanoTime();
        live.println("==> " + name);
        live.step(name);
    }

    @Override
    public void detail(String line) {
        live.sawOutput(line);
        if (details) {
            live.println("    " + line);
        }
    }

    @Override
    public void done(String summary) {
        finishStep();
        live.close();
        live.println("==> " + summary);
    }

    /** Erases the live line, if any: after a failure, the error then starts a line of its own. */
    @Override
    public void close() {
        live.close();
    }

    private void finishStep() {
        if (current != null) {
            live.stepEnded();
            live.println("    done: " + current + " ("
                    + DurationText.format(Duration.ofNanos(System.nanoTime() - stepStart)) + ")");
            current = null;
        }
    }
}
