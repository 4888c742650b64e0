// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * {@code PUT /snapshot/load}: restores a microVM into a fresh Firecracker process (only the logger and metrics may
 * be configured before it). Memory comes from a file backend; a NIC may be moved to another TAP.
 *
 * @param snapshotPath the state file, as the Firecracker process sees it
 * @param memBackend where the guest memory comes from
 * @param resumeVm whether the guest runs at once
 * @param networkOverrides TAPs to use instead of those recorded in the snapshot; empty for none
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record SnapshotLoad(
        @JsonProperty("snapshot_path") String snapshotPath,
        @JsonProperty("mem_backend") MemoryBackend memBackend,
        @JsonProperty("resume_vm") boolean resumeVm,
        @JsonProperty("network_overrides") List<NetworkOverride> networkOverrides) implements FirecrackerRequest {

    /**
     * The guest memory's source.
     *
     * @param backendType {@code File} (Hearth does not serve memory through userfaultfd)
     * @param backendPath the memory file, as the Firecracker process sees it
     */
    public record MemoryBackend(
            @JsonProperty("backend_type") String backendType,
            @JsonProperty("backend_path") String backendPath) {

        /** A memory file. */
        public static MemoryBackend file(String path) {
            return new MemoryBackend("File", path);
        }
    }

    /**
     * Moves a network interface recorded in the snapshot onto another host TAP.
     *
     * @param ifaceId the interface's id in the snapshot
     * @param hostDevName the TAP to use now
     */
    public record NetworkOverride(
            @JsonProperty("iface_id") String ifaceId,
            @JsonProperty("host_dev_name") String hostDevName) {
    }

    public SnapshotLoad {
        Objects.requireNonNull(snapshotPath, "snapshotPath");
        Objects.requireNonNull(memBackend, "memBackend");
        networkOverrides = List.copyOf(networkOverrides);
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/snapshot/load";
    }
}
