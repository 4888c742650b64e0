// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.agent.instances.StepProgress;
import dev.hearth.core.units.DurationText;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Shows an instance operation's steps, each with its time, as plain lines; on a terminal a live last line also
 * shows the current step's elapsed time (a TCG boot takes minutes) and any percentage its tool prints. Not
 * thread-safe.
 */
final class InstanceProgress implements StepProgress, AutoCloseable {

    private final LiveLine live;
    private final boolean details;

    InstanceProgress(PrintWriter out, boolean details) {
        this.live = LiveLine.forTerminal(out);
        this.details = details;
    }

    @Override
    public void step(String name) {
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
    public void stepDone(String name, Duration took) {
        live.stepEnded();
        live.println("    done: " + name + " (" + DurationText.format(took) + ")");
    }

    /** Erases the live line, if any: after a failure, the error then starts a line of its own. */
    @Override
    public void close() {
        live.close();
    }

    @Override
    public void done(String summary) {
        live.close();
        live.println("==> " + summary);
    }
}
