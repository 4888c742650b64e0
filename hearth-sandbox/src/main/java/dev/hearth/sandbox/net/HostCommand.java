// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs host networking commands ({@code ip}, {@code bridge}, {@code iptables}, {@code sysctl}), each under a
 * deadline, optionally inside a network namespace ({@code ip netns exec NS ...}, which also gives {@code sysctl}
 * the namespace's own {@code /proc/sys/net}). A failure is a {@link HostCommandException} with the command line and
 * its stderr. The arguments are visible in the host's process list, so callers must never pass secrets; nothing in
 * host networking needs one. Thread-safe: each call is its own process.
 */
final class HostCommand {

    private static final Logger log = LoggerFactory.getLogger(HostCommand.class);

    /** What a finished command returned. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private final Optional<String> namespace;
    private final Duration deadline;

    HostCommand(Optional<String> namespace, Duration deadline) {
        this.namespace = namespace;
        this.deadline = deadline;
    }

    /**
     * Runs the command and returns its stdout.
     *
     * @throws HostCommandException when it exits non-zero, cannot start or runs past the deadline
     */
    String run(String... argv) throws HostCommandException {
        Result r = attempt(argv);
        if (!r.ok()) {
            throw failure(argv, r);
        }
        return r.stdout();
    }

    /**
     * Runs the command and returns its result whatever its exit status, for checks such as {@code iptables -C}.
     *
     * @throws HostCommandException when it cannot start or runs past the deadline
     */
    Result attempt(String... argv) throws HostCommandException {
        List<String> command = new ArrayList<>();
        namespace.ifPresent(ns -> command.addAll(List.of("ip", "netns", "exec", ns)));
        command.addAll(List.of(argv));
        String line = String.join(" ", command);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new HostCommandException(line, -1, "", "cannot run `" + line + "`: " + e.getMessage()
                    + " (is iproute2/iptables installed? scripts/setup-host installs them)", e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new HostCommandException(line, -1, "", "`" + line + "` did not finish within "
                        + deadline.toMillis() + " ms and was killed", null);
            }
            Result r = new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS).strip());
            log.debug("`{}` exited {}", line, r.exitCode());
            return r;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HostCommandException(line, -1, "", "interrupted while running `" + line + "`", e);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new HostCommandException(line, -1, "", "cannot read the output of `" + line + "`: " + e, e);
        }
    }

    /**
     * Applies {@code rules} (in {@code iptables-restore} form) with {@code iptables-restore --noflush}: each chain the
     * rules declare is replaced as one change, chains they do not declare are left alone.
     *
     * @throws HostCommandException when the rules cannot be written to a temporary file or are refused
     */
    void restore(String rules) throws HostCommandException {
        java.nio.file.Path file;
        try {
            file = java.nio.file.Files.createTempFile("hearth-rules", ".rules");
            java.nio.file.Files.writeString(file, rules);
        } catch (IOException e) {
            throw new HostCommandException("iptables-restore", -1, "", "cannot write iptables rules to a temporary "
                    + "file: " + e.getMessage(), e);
        }
        try {
            run("iptables-restore", "-w", "10", "--noflush", file.toString());
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(file);
            } catch (IOException e) {
                log.debug("leftover rules file {}: {}", file, e.toString()); // rules hold no secret
            }
        }
    }

    /** The exception for a command that exited non-zero. */
    HostCommandException failure(String[] argv, Result r) {
        String line = (namespace.map(ns -> "ip netns exec " + ns + " ").orElse("")) + String.join(" ", argv);
        return new HostCommandException(line, r.exitCode(), r.stderr(), "`" + line + "` failed with exit status "
                + r.exitCode() + (r.stderr().isEmpty() ? " and no error output" : ": " + r.stderr()), null);
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return f;
    }
}
