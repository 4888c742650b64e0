// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/** Where a result stands with the oracle. */
public enum VerdictOutcome {
    /** In the verification queue: accepted for verification, not yet judged. */
    PENDING,
    /** Every check holds: the result is final and may be credited. */
    PASSED,
    /** A check failed: the result is refused and never credited; the verdict names the check. */
    FAILED,
    /** A legacy result without a receipt, accepted by the {@code unsigned: allow} policy; every other check held. */
    UNSIGNED
}
