// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * {@code PUT /metrics}: where Firecracker writes its JSON metrics lines (flushed periodically and on
 * {@link InstanceAction.Type#FLUSH_METRICS}).
 *
 * @param metricsPath the file as the Firecracker process sees it; it must exist
 */
public record Metrics(@JsonProperty("metrics_path") String metricsPath) implements FirecrackerRequest {

    public Metrics {
        Objects.requireNonNull(metricsPath, "metricsPath");
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/metrics";
    }
}
