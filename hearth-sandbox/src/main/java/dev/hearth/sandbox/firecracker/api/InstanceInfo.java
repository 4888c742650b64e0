// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer of {@code GET /}: what the Firecracker process says about itself.
 *
 * @param appName {@code Firecracker}
 * @param id the instance id given with {@code --id}
 * @param state {@code Not started}, {@code Running} or {@code Paused}
 * @param vmmVersion Firecracker's version
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record InstanceInfo(
        @JsonProperty("app_name") String appName,
        @JsonProperty("id") String id,
        @JsonProperty("state") String state,
        @JsonProperty("vmm_version") String vmmVersion) {
}
