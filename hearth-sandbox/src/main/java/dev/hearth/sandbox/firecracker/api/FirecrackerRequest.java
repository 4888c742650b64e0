// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * One call Hearth makes on Firecracker's REST API: its method, its path and (unless it is a GET) its JSON body,
 * which is the record itself serialised with the API's snake_case names. The permitted records are every request
 * Hearth can send; the contract test checks each against Firecracker's published swagger definition.
 */
public sealed interface FirecrackerRequest
        permits MachineConfig, BootSource, Drive, NetworkInterface, Logger, Metrics, InstanceAction, VmState,
        SnapshotCreate, SnapshotLoad, FirecrackerRequest.DescribeInstance, FirecrackerRequest.GetMachineConfig {

    /** {@code GET}, {@code PUT} or {@code PATCH}. */
    @JsonIgnore
    String method();

    /** The request path, ids filled in ({@code /drives/rootfs}). */
    @JsonIgnore
    String path();

    /** Whether the record is sent as a JSON body; GETs have none. */
    @JsonIgnore
    default boolean hasBody() {
        return true;
    }

    /** The operation as the swagger document names it: method and path template ({@code PUT /drives/{drive_id}}). */
    @JsonIgnore
    default String operation() {
        return method() + " " + path();
    }

    /** {@code GET /}: the instance's id, state and Firecracker's version. */
    record DescribeInstance() implements FirecrackerRequest {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String path() {
            return "/";
        }

        @Override
        public boolean hasBody() {
            return false;
        }
    }

    /** {@code GET /machine-config}: the vCPUs and memory the VM was given. */
    record GetMachineConfig() implements FirecrackerRequest {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public String path() {
            return "/machine-config";
        }

        @Override
        public boolean hasBody() {
            return false;
        }
    }
}
