// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * {@code PUT /snapshot/create} (post-boot, guest paused): writes the microVM state and guest memory to two files.
 * Hearth takes full snapshots only (diff snapshots need dirty-page tracking from boot).
 *
 * @param snapshotPath the state file, as the Firecracker process sees it
 * @param memFilePath the memory file, as the Firecracker process sees it
 * @param snapshotType {@code Full}
 */
public record SnapshotCreate(
        @JsonProperty("snapshot_path") String snapshotPath,
        @JsonProperty("mem_file_path") String memFilePath,
        @JsonProperty("snapshot_type") String snapshotType) implements FirecrackerRequest {

    public SnapshotCreate {
        Objects.requireNonNull(snapshotPath, "snapshotPath");
        Objects.requireNonNull(memFilePath, "memFilePath");
        Objects.requireNonNull(snapshotType, "snapshotType");
    }

    /** A full snapshot to these two files. */
    public static SnapshotCreate full(String snapshotPath, String memFilePath) {
        return new SnapshotCreate(snapshotPath, memFilePath, "Full");
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/snapshot/create";
    }
}
