// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What benchmarks read from the server processes they start: the port line, and the end of the log. */
public final class ChildOutput {

    private ChildOutput() {
    }

    /**
     * Reads the child's stdout up to the line {@code prefix + port}.
     *
     * @throws IllegalStateException when the child exits first or its stdout cannot be read
     */
    public static int readPort(Process process, String prefix) {
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(prefix)) {
                    return Integer.parseInt(line.substring(prefix.length()).strip());
                }
            }
            throw new IllegalStateException("it exited (status " + process.waitFor() + ") before printing its port");
        } catch (IOException e) {
            throw new IllegalStateException("reading its stdout failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The last lines of a log, for error messages. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(empty)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 5),
                    lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
