// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/** What a sandbox runs, which decides how a driver treats one it finds orphaned. */
public enum WorkloadKind {
    /** Run-to-completion: an orphan (its owner process gone) is removed. */
    JOB,
    /** Long-running service: left for its supervisor to adopt. */
    INSTANCE
}
