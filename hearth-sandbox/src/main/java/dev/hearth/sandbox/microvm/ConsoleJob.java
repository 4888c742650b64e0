// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.core.job.JobFile;
import dev.hearth.sandbox.SandboxSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The per-job part of a job that runs in a pooled microVM, as the console requests the guest init reads while it
 * waits (its {@code W} frame; see {@code hearth-init}): {@code f MODE BASE64(PATH) LENGTH} per job file (the path
 * relative to {@code /job}), followed by LENGTH characters of {@code BASE64(CONTENT)} and a newline; then
 * {@code e BASE64(ENV)} with the text a cold VM's {@code job.env} holds (environment, secrets included, and argv);
 * then {@code s HOSTNAME}. A VM started from a template's saved state gets {@code c MILLIS BASE64(SEED)} first
 * ({@link #asClone}): its kernel's random generator reseeded and its clock set. What a cold VM's config drive
 * carries besides
 * (limits, user, network shape) the pooled VM got on its own drive at boot.
 *
 * <p>The lines carry secrets: they go to the VMM's console input only, and are never logged, put in an exception's
 * message or written to a file ({@link #toString()} names the job only). The guest does not echo them (init turns
 * the console's echo off before it says it is up). Immutable.
 */
final class ConsoleJob {

    private final String name;
    private final List<String> lines;

    private ConsoleJob(String name, List<String> lines) {
        this.name = name;
        this.lines = List.copyOf(lines);
    }

    /**
     * The requests that hand {@code spec} to a waiting pooled VM, which takes {@code hostname}.
     *
     * @throws dev.hearth.core.InvalidInputException when a variable name is not a shell name
     * @throws IllegalArgumentException when {@code hostname} is not {@code [a-z0-9-]+} (a VM id is)
     */
    static ConsoleJob of(SandboxSpec spec, String hostname) {
        if (!hostname.matches("[a-z0-9-]{1,63}")) {
            throw new IllegalArgumentException("host name '" + hostname + "' must match [a-z0-9-]{1,63}");
        }
        Base64.Encoder b64 = Base64.getEncoder();
        List<String> lines = new ArrayList<>();
        for (JobFile f : spec.files()) {
            String path = f.path().substring(SandboxSpec.WORKSPACE.length() + 1);
            String content = b64.encodeToString(f.content());
            lines.add("f " + Integer.toOctalString(f.mode() & 0777) + " "
                    + b64.encodeToString(path.getBytes(StandardCharsets.UTF_8)) + " " + content.length());
            lines.add(content); // read by its length, not as a line: the guest's shell reads a line byte by byte
        }
        lines.add("e " + b64.encodeToString(ConfigDrive.environment(spec).getBytes(StandardCharsets.UTF_8)));
        lines.add("s " + hostname);
        return new ConsoleJob(spec.name(), lines);
    }

    /**
     * The same job for a VM started from a template's saved state, whose kernel random state and clock are the
     * template's: a first request makes the guest credit {@code seed} (32 to 256 bytes, fresh per VM) to its entropy
     * pool, reseed its random generator and set its clock to {@code epochMillis}.
     */
    ConsoleJob asClone(long epochMillis, byte[] seed) {
        if (seed.length < 32 || seed.length > 256) {
            throw new IllegalArgumentException("a clone's seed has 32 to 256 bytes, not " + seed.length);
        }
        List<String> all = new ArrayList<>();
        all.add("c " + epochMillis + " " + Base64.getEncoder().encodeToString(seed));
        all.addAll(lines);
        return new ConsoleJob(name, all);
    }

    /** The request lines, in the order they are sent, each without its newline. Secret-bearing: never log them. */
    List<String> lines() {
        return lines;
    }

    /** All lines, each ended by a newline, as one ASCII block to write to the console at once. */
    byte[] bytes() {
        StringBuilder s = new StringBuilder();
        lines.forEach(l -> s.append(l).append('\n'));
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "ConsoleJob[" + name + ", " + lines.size() + " requests]";
    }
}
