// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.host;

import dev.hearth.sandbox.SandboxException;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one host tool (mkfs.ext4, make, resize2fs) to its end, its output merged and handed on line by line, and
 * turns a failure into a {@link SandboxException} that names the command and carries the last lines it printed.
 * Stateless and thread-safe.
 *
 * <p>In a package of its own, below every driver package and the image builders, so neither needs the other for
 * it and the sandbox module's packages stay free of cycles ({@code ArchitectureTest}). Host networking runs its
 * commands itself ({@code dev.hearth.sandbox.net}).
 */
public final class HostCommand {

    private static final int TAIL_LINES = 20;

    private HostCommand() {
    }

    /** Runs {@code command} with stdin from /dev/null, waiting up to {@code limit}; output lines go to {@code lines}. */
    public static void run(List<String> command, Duration limit, Consumer<String> lines)
            throws SandboxException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new SandboxException("cannot run " + command.get(0) + ": " + e.getMessage()
                    + " (scripts/setup-host installs the tools Hearth needs)", e);
        }
        Deque<String> tail = new ArrayDeque<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.accept(line);
                if (tail.size() == TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SandboxException(String.join(" ", command) + " did not finish within " + limit);
            }
        } catch (IOException e) {
            throw new SandboxException("cannot read the output of " + command.get(0) + ": " + e.getMessage(), e);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        if (p.exitValue() != 0) {
            throw new SandboxException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                    + String.join(" | ", tail));
        }
    }

    /** Runs {@code command} as {@link #run(List, Duration, Consumer)} does, dropping its output unless it fails. */
    public static void run(List<String> command, Duration limit) throws SandboxException, InterruptedException {
        run(command, limit, line -> { });
    }
}
