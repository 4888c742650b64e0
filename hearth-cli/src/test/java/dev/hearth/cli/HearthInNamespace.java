// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.sandbox.net.TestNamespace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code hearth} command ({@link Main}) run as its own process inside a test's network namespace, so what
 * it does to the network (bridge, TAPs, iptables rules) happens there and never on the host. Stateless.
 */
final class HearthInNamespace {

    /** What the process printed and how it exited. */
    record Result(int exit, String out, String err) {
    }

    private HearthInNamespace() {
    }

    /** Runs {@code hearth ARGS} in {@code ns} with the test's environment plus {@code env}; waits up to 5 minutes. */
    static Result run(TestNamespace ns, Map<String, String> env, String... args) throws IOException,
            InterruptedException {
        return run(ns, env, java.time.Duration.ofMinutes(5), args);
    }

    /** Starts {@code hearth ARGS} in {@code ns} (a service: the caller stops it), its output going to {@code log}. */
    static Process start(TestNamespace ns, Map<String, String> env, Path log, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ns.inside(command(args))).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String[] command(String... args) {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        java.addAll(List.of(args));
        return java.toArray(String[]::new);
    }

    /** Runs {@code hearth ARGS} in {@code ns} with the test's environment plus {@code env}; waits up to {@code limit}. */
    static Result run(TestNamespace ns, Map<String, String> env, java.time.Duration limit, String... args)
            throws IOException, InterruptedException {
        return typed(ns, env, limit, "", args);
    }

    /** {@link #run(TestNamespace, Map, java.time.Duration, String...)} with {@code input} on its stdin, then its end. */
    static Result typed(TestNamespace ns, Map<String, String> env, java.time.Duration limit, String input,
            String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(ns.inside(command(args)));
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var stdin = p.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("hearth " + String.join(" ", args) + " did not end within " + limit);
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static String drain(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
