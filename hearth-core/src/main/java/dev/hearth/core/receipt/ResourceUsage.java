// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a job used, as far as the sandbox engine could tell; each figure is {@code null} when unknown. Integers
 * (milliseconds, bytes) rather than fractional seconds, so the canonical encoding never has to write a float.
 *
 * @param cpuMillis CPU time of all the job's processes, milliseconds
 * @param peakMemoryBytes the most memory the job held at once
 * @param gpuMillis GPU time, milliseconds
 */
public record ResourceUsage(Long cpuMillis, Long peakMemoryBytes, Long gpuMillis) {

    /** Nothing known. */
    public static final ResourceUsage UNKNOWN = new ResourceUsage(null, null, null);

    Map<String, Object> canonical() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpuMillis", cpuMillis);
        m.put("peakMemoryBytes", peakMemoryBytes);
        m.put("gpuMillis", gpuMillis);
        return m;
    }
}
