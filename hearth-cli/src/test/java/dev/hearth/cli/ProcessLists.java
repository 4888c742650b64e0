// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What tests check of this host's process list: that no secret appears in any process's command line. */
public final class ProcessLists {

    private ProcessLists() {
    }

    /**
     * Whether any process's command line on this host holds {@code secret} (container processes, QEMU and the
     * guests' hosts are host processes too).
     */
    public static boolean inAnyCommandLine(String secret) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).contains(secret)) {
                        return true;
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        return false;
    }
}
