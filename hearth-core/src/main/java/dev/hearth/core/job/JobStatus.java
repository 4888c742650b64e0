// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a job ended. */
public enum JobStatus {
    /** The command exited 0. */
    COMPLETED,
    /** The command exited non-zero. */
    FAILED,
    /** The command outran its timeout and was stopped. */
    TIMEOUT,
    /** The sandbox was killed for exceeding its memory limit. */
    OOM,
    /** The job could not run: image missing, engine error, bad sandbox. */
    ERROR;

    /** The name in result documents and hashes: {@code completed}, {@code failed}, ... */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the job ran to its end and succeeded. */
    public boolean success() {
        return this == COMPLETED;
    }
}
