// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.host.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;

/**
 * The files of a Firecracker VM that outlives the process that started it (an instance's guest), all in its folder
 * beside the API socket ({@code firecracker.sock}), log and metrics that {@link FirecrackerVmm} puts there. Any
 * process finds the VM again through them.
 *
 * @param apiSocket firecracker's API
 * @param consoleInput the FIFO firecracker reads its serial input from (Hearth's guest channel, one writer at a time)
 * @param consoleLog everything the guest printed on its serial console, appended across restarts
 * @param pidFile firecracker's pid
 * @param stderr firecracker's own stderr, appended across restarts
 */
public record FirecrackerFiles(Path apiSocket, Path consoleInput, Path consoleLog, Path pidFile, Path stderr) {

    /** The usual names in {@code dir}. */
    public static FirecrackerFiles in(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return new FirecrackerFiles(d.resolve(ProcessLayout.SOCKET), d.resolve("console.in"), d.resolve("console.log"),
                d.resolve("firecracker.pid"), d.resolve("firecracker.stderr"));
    }

    /** Makes the console FIFO (mode 600) unless it is there; something else by its name is an error. */
    void makeConsoleInput() throws IOException {
        if (Files.exists(consoleInput, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.readAttributes(consoleInput, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                throw new IOException(consoleInput + " exists and is not a FIFO");
            }
            return;
        }
        try {
            HostCommand.run(List.of("mkfifo", "-m", "600", consoleInput.toString()), Duration.ofSeconds(10));
        } catch (SandboxException e) {
            throw new IOException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while making " + consoleInput);
        }
    }
}
