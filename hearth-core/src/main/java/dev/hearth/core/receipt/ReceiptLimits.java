// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The limits a job ran under, as a receipt states them: the texts of the job offer's spec (so the coordinator can
 * compare them with what it sent, character for character) and the timeout the node applied.
 *
 * @param memory memory limit in Docker notation, e.g. {@code 512m}
 * @param cpus CPUs, decimal text, e.g. {@code 1.5}
 * @param pids process limit
 * @param network {@code none} or {@code nat}, followed by {@code  allow [HOST:PORT, ...]} when the job had an egress allowlist
 * @param timeoutSeconds the wall-clock limit the node applied (at most the spec's; a node may cap it lower)
 */
public record ReceiptLimits(String memory, String cpus, long pids, String network, long timeoutSeconds) {

    Map<String, Object> canonical() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("memory", memory);
        m.put("cpus", cpus);
        m.put("pids", pids);
        m.put("network", network);
        m.put("timeoutSeconds", timeoutSeconds);
        return m;
    }
}
