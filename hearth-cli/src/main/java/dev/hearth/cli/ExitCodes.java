// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

/** Exit statuses of {@code hearth} itself; a job's own status passes through {@code hearth run} unchanged. */
final class ExitCodes {

    /** Bad input: unknown flag, malformed value. Nothing was created. */
    static final int USAGE = 2;
    /** The sandbox engine or an image is not available: nothing ran (as {@code docker run}'s 125). */
    static final int ENGINE = 125;

    private ExitCodes() {
    }
}
