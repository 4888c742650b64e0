// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python client's unittest suite (clients/python/tests) with Debian's python3 (python3-cryptography,
 * scripts/setup-host) against a coordinator named in the environment, from the source tree (PYTHONPATH=src).
 */
final class PythonTests {

    /** The Python package's folder in this checkout. */
    static final Path PACKAGE = Path.of("..", "clients", "python").toAbsolutePath().normalize();
    /** Debian's interpreter, which has python3-cryptography; else the first python3 on the PATH. */
    static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private PythonTests() {
    }

    /** Runs the suite; returns its report (unittest's verbose output) after asserting it passed. */
    static String run(Map<String, String> env, long timeoutSeconds, String... args) throws IOException,
            InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON, "-m", "unittest"));
        command.addAll(args.length == 0 ? List.of("discover", "-s", "tests", "-t", ".", "-v") : List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(PACKAGE.toFile()).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", PACKAGE.resolve("src").toString());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String report = new String(out, StandardCharsets.UTF_8);
        assertThat(ended).as("python tests ended within %d s: %s", timeoutSeconds, report).isTrue();
        assertThat(p.exitValue()).as("python tests:%n%s", report).isZero();
        return report;
    }
}
