// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds host executables (VMMs, the jailer, QEMU) the way a shell does, in the folders of {@code PATH}. */
public final class SearchPath {

    private SearchPath() {
    }

    /**
     * The executable {@code program} names: a name with a slash is taken as a path and must be an executable file; a
     * bare name is looked up in {@code PATH}, first match wins.
     *
     * @return the executable, or empty when there is none
     */
    public static Optional<Path> find(String program) {
        if (program.contains("/")) {
            Path path = Path.of(program);
            return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
