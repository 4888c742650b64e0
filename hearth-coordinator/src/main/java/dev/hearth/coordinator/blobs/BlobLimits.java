// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.blobs;

import java.time.Duration;

/**
 * How much uploaded content a coordinator keeps: clients' input blobs and jobs' outputs.
 *
 * @param maxBlobBytes the largest one blob may be ({@code --blob-max-size})
 * @param quotaBytes the bytes one client's blobs and its jobs' stored outputs may add up to ({@code --blob-quota})
 * @param retention how long a blob no unfinished job names is kept after its last upload or use
 *     ({@code --blob-retention})
 * @param outputMaxBytes the bytes one job's stored outputs may add up to ({@code --output-max-size})
 */
public record BlobLimits(long maxBlobBytes, long quotaBytes, Duration retention, long outputMaxBytes) {

    /** 1 GiB a blob, 10 GiB a client, 7 days, 1 GiB of outputs a job. */
    public static final BlobLimits DEFAULTS = new BlobLimits(1L << 30, 10L << 30, Duration.ofDays(7), 1L << 30);

    public BlobLimits {
        if (maxBlobBytes <= 0 || quotaBytes <= 0 || outputMaxBytes <= 0) {
            throw new IllegalArgumentException("blob-max-size, blob-quota and output-max-size must be positive "
                    + "sizes, got " + maxBlobBytes + ", " + quotaBytes + " and " + outputMaxBytes);
        }
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("blob-retention must be a positive duration (e.g. 7d), got "
                    + retention);
        }
    }
}
