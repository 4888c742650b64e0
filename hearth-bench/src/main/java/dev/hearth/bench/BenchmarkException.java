// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

/** A benchmark could not run or a timed job failed; the message says which and why, in one line. */
public final class BenchmarkException extends Exception {

    /** A failure with its cause. */
    public BenchmarkException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failure without a cause. */
    public BenchmarkException(String message) {
        super(message);
    }
}
