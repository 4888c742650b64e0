// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/**
 * How much of a job's output folder ({@link SandboxSpec#OUTPUT_DIR}) is hashed for its receipt.
 *
 * @param maxFiles the most files listed
 * @param maxBytes the most content bytes read and hashed, all files together
 */
public record OutputLimits(int maxFiles, long maxBytes) {

    /** 1000 files and 1 GiB: a receipt stays small, and hashing a result stays well under a minute. */
    public static final OutputLimits DEFAULT = new OutputLimits(1000, 1L << 30);

    public OutputLimits {
        if (maxFiles < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("output limits must not be negative: " + maxFiles + " files, "
                    + maxBytes + " bytes");
        }
    }
}
