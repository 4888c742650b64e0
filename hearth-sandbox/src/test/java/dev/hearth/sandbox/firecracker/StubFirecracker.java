// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Stand-ins for the firecracker and jailer executables, which cannot be installed here: shell scripts that record
 * their pid and arguments (atomically, one file per process), write a console line to stdout and a line to stderr,
 * and then wait, being {@code sleep}, until they are signalled. {@link FakeFirecracker} serves the API socket the
 * arguments name, as the real process would.
 */
final class StubFirecracker {

    /** What the stub writes to its stdout, the console. */
    static final String CONSOLE_LINE = "stub firecracker console: guest says hello";
    /** What the stub writes to its stderr. */
    static final String STDERR_LINE = "stub firecracker stderr line";

    private final Path calls;
    private final Path firecracker;
    private final Path jailer;

    private StubFirecracker(Path dir) throws IOException {
        this.calls = Files.createDirectories(dir.resolve("calls"));
        this.firecracker = script(dir.resolve("firecracker"));
        this.jailer = script(dir.resolve("jailer"));
    }

    /** Writes both stubs into {@code dir}. */
    static StubFirecracker install(Path dir) throws IOException {
        return new StubFirecracker(dir);
    }

    private Path script(Path file) throws IOException {
        String text = """
                #!/bin/sh
                # a stand-in for %s in tests: records its pid and arguments, then waits to be signalled
                printf '%%s\\n' "$$" "$0" "$@" > '%s/.argv-'$$ && mv '%s/.argv-'$$ '%s/argv-'$$
                echo '%s'
                echo '%s' >&2
                exec sleep 600
                """.formatted(file.getFileName(), calls, calls, calls, CONSOLE_LINE, STDERR_LINE);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    Path firecracker() {
        return firecracker;
    }

    Path jailer() {
        return jailer;
    }

    /** One recorded start of a stub. */
    record Call(Path file, long pid, Path program, List<String> args) {
    }

    /** The starts recorded so far, in no particular order. */
    List<Call> calls() throws IOException {
        List<Call> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(calls)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("argv-")).toList()) {
                List<String> lines = Files.readAllLines(f);
                found.add(new Call(f, Long.parseLong(lines.get(0)), Path.of(lines.get(1)),
                        List.copyOf(lines.subList(2, lines.size()))));
            }
        }
        return found;
    }
}
