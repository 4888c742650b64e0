package dev.hearth.cli;

import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.image.BuildProgress;
import java.io.PrintWriter;
import java.time.Duration;

/** Shows the steps of a long operation on the terminal, each with the time it took. Not thread-safe. */
final class ConsoleProgress implements BuildProgress {

    private final PrintWriter out;
    private final boolean details;
    private long stepStart;
    private String current;

    ConsoleProgress(PrintWriter out, boolean details) {
        this.out = out;
        this.details = details;
    }

    @Override
    public void step(String name) {
        finishStep();
        current = name;
        stepStart = System.nanoTime();
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
    public void done(String summary) {
        finishStep();
        out.println("==> " + summary);
        out.flush();
    }

    private void finishStep() {
        if (current != null) {
            out.println("    done: " + current + " ("
                    + DurationText.format(Duration.ofNanos(System.nanoTime() - stepStart)) + ")");
            current = null;
        }
    }
}
