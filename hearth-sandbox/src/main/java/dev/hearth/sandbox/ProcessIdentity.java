// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who this process runs as, read from {@code /proc/self/status}. Stateless and thread-safe. */
public final class ProcessIdentity {

    private ProcessIdentity() {
    }

    /** Whether this process's effective uid is 0 (false when it cannot be read). */
    public static boolean root() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }
}
