// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.sandbox.SandboxException;

/**
 * A host command ({@code ip}, {@code iptables}, {@code sysctl}) failed, could not start, or ran past its deadline.
 * The message carries the command line and what the command wrote to stderr, so the reader sees exactly what the
 * kernel refused. Commands Hearth runs carry no secrets, so the command line is safe to show.
 */
public final class HostCommandException extends SandboxException {

    private final String commandLine;
    private final int exitCode;
    private final String stderr;

    HostCommandException(String commandLine, int exitCode, String stderr, String message, Throwable cause) {
        super(message, cause);
        this.commandLine = commandLine;
        this.exitCode = exitCode;
        this.stderr = stderr;
    }

    /** The command as one line, its words separated by spaces. */
    public String commandLine() {
        return commandLine;
    }

    /** Its exit status, or -1 when it did not exit by itself (not started, killed at its deadline). */
    public int exitCode() {
        return exitCode;
    }

    /** What it wrote to stderr, trimmed; empty when nothing. */
    public String stderr() {
        return stderr;
    }
}
