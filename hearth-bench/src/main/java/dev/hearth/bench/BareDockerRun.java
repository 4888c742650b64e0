// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The baseline contender: {@code docker run --rm --network none IMAGE true} through the {@code docker} CLI.
 *
 * <p>Each run starts the CLI as a child process, reads its merged output (empty for {@code true}) and requires
 * exit 0. The CLI honours DOCKER_HOST as Hearth's driver does, so both talk to the same engine.
 */
final class BareDockerRun implements Contender {

    private final List<String> command;

    BareDockerRun(String image) {
        this.command = List.of("docker", "run", "--rm", "--network", "none", image, "true");
    }

    /** The command line this contender runs. */
    List<String> command() {
        return command;
    }

    @Override
    public String name() {
        return "bare";
    }

    @Override
    public void runOnce() throws BenchmarkException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new BenchmarkException("cannot start '" + String.join(" ", command) + "' (" + e.getMessage()
                    + "); the baseline needs the docker CLI on PATH", e);
        }
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            process.destroyForcibly();
            throw new BenchmarkException("reading the output of '" + String.join(" ", command) + "' failed: "
                    + e.getMessage(), e);
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new BenchmarkException("'" + String.join(" ", command) + "' exited " + exit
                    + (output.isEmpty() ? "" : ": " + output));
        }
    }
}
