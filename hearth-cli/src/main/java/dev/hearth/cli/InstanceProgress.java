package dev.hearth.cli;

import dev.hearth.agent.instances.StepProgress;
import dev.hearth.core.units.DurationText;
import java.io.PrintWriter;
import java.time.Duration;

/** Shows an instance operation's steps on the terminal, each with its time. Not thread-safe. */
final class InstanceProgress implements StepProgress {

    private final PrintWriter out;
    private final boolean details;

    InstanceProgress(PrintWriter out, boolean details) {
        this.out = out;
        this.details = details;
    }

    @Override
    public void step(String name) {
        out.println("==> " + name);
        out.flush();
    }

    @Override
    public void detail(String line) {
        if (details) {
            out.println("    " + line);
            out.flush();
        }
    }

    @Override
    public void stepDone(String name, Duration took) {
        out.println("    done: " + name + " (" + DurationText.format(took) + ")");
        out.flush();
    }

    @Override
    public void done(String summary) {
        out.println("==> " + summary);
        out.flush();
    }
}
