// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.SandboxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a build tool on the host, its output lines shown as progress details, within a time limit. */
final class BuildTool {

    private BuildTool() {
    }

    /**
     * Runs {@code command} with stdin from /dev/null and extra environment {@code env} ("K=V").
     *
     * @return the last lines of its output (up to 20), for callers that read a result from it
     * @throws SandboxException naming {@code what}, the exit status and the output's tail when it fails
     */
    static List<String> run(List<String> command, List<String> env, BuildProgress progress, Duration limit,
            String what) throws SandboxException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> environment = pb.environment();
        for (String kv : env) {
            int eq = kv.indexOf('=');
            environment.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        List<String> tail = new ArrayList<>();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new SandboxException("cannot run " + what + " (" + command.getFirst() + "): " + e.getMessage(), e);
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                progress.detail(line);
                tail.add(line);
                if (tail.size() > 20) {
                    tail.removeFirst();
                }
            }
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SandboxException(what + " did not finish within " + limit.toMinutes() + " minutes");
            }
        } catch (IOException e) {
            throw new SandboxException("cannot read the output of " + what + ": " + e.getMessage(), e);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        if (p.exitValue() != 0) {
            throw new SandboxException(what + " failed (exit " + p.exitValue() + "); its last lines:\n  "
                    + String.join("\n  ", tail));
        }
        return tail;
    }
}
