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
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        java.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(ns.inside(java.toArray(String[]::new)));
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("hearth " + String.join(" ", args) + " did not end within 5 minutes");
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
