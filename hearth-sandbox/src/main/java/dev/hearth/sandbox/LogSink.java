// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/**
 * Receives a sandbox's output as it is produced. Called from one thread at a time, in order; must not block for
 * long, since the engine's stream waits on it.
 */
@FunctionalInterface
public interface LogSink {

    /** Which stream a chunk came from. */
    enum Stream {
        STDOUT,
        STDERR,
        /** A microVM's serial console (stdout and stderr of the guest, mixed). */
        CONSOLE
    }

    /** One chunk of output; {@code bytes} may be reused by the caller after this returns. */
    void accept(Stream stream, byte[] bytes, int offset, int length);

    /** A sink that drops everything. */
    static LogSink discard() {
        return (stream, bytes, offset, length) -> { };
    }
}
