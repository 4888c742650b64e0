// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * {@code PATCH /vm}: pauses or resumes the guest's vCPUs (a snapshot needs a paused guest).
 *
 * @param state the state wanted
 */
public record VmState(@JsonProperty("state") State state) implements FirecrackerRequest {

    /** The states a running microVM can be put in, with their wire names. */
    public enum State {
        PAUSED("Paused"),
        RESUMED("Resumed");

        private final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }

        /** The name on the wire. */
        @JsonValue
        public String wireName() {
            return wireName;
        }
    }

    public VmState {
        Objects.requireNonNull(state, "state");
    }

    @Override
    public String method() {
        return "PATCH";
    }

    @Override
    public String path() {
        return "/vm";
    }
}
