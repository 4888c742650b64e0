// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * {@code PUT /drives/{drive_id}} (pre-boot): a virtio-block device backed by a file on the host.
 *
 * @param driveId the drive's id, also its path segment ({@code [a-z0-9_]}, so it needs no escaping)
 * @param pathOnHost the image file as the Firecracker process sees it
 * @param isRootDevice whether the guest boots from it
 * @param isReadOnly whether the guest may only read it
 */
public record Drive(
        @JsonProperty("drive_id") String driveId,
        @JsonProperty("path_on_host") String pathOnHost,
        @JsonProperty("is_root_device") boolean isRootDevice,
        @JsonProperty("is_read_only") boolean isReadOnly) implements FirecrackerRequest {

    public Drive {
        if (driveId == null || !driveId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("drive id must match [A-Za-z0-9_]{1,64}, got " + driveId);
        }
        Objects.requireNonNull(pathOnHost, "pathOnHost");
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/drives/" + driveId;
    }

    @Override
    public String operation() {
        return "PUT /drives/{drive_id}";
    }
}
