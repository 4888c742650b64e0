// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One GPU as an agent reports it, in Hypernode v2.0's shape (strings with units, from nvidia-smi), plus its UUID.
 *
 * @param index device index
 * @param model e.g. {@code NVIDIA H100 80GB HBM3}
 * @param vramTotal e.g. {@code 81559 MiB}
 * @param vramFree e.g. {@code 80000 MiB}
 * @param utilization e.g. {@code 0%}
 * @param uuid the device UUID (Hearth only), e.g. {@code GPU-5d1c...}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GpuReport(
        int index,
        String model,
        @JsonProperty("vram_total") String vramTotal,
        @JsonProperty("vram_free") String vramFree,
        String utilization,
        String uuid) {

    /** Total memory in MiB, parsed from {@code vram_total} ("81559 MiB" or "81559"); 0 when unknown. */
    public long vramTotalMib() {
        return mib(vramTotal);
    }

    /** Free memory in MiB, parsed from {@code vram_free}; 0 when unknown. */
    public long vramFreeMib() {
        return mib(vramFree);
    }

    private static long mib(String text) {
        if (text == null) {
            return 0;
        }
        String digits = text.replaceAll("[^0-9].*$", "").strip();
        try {
            return digits.isEmpty() ? 0 : Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
