// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * {@code PUT /actions}: boot the configured guest, press Ctrl-Alt-Del in it, or flush metrics now.
 *
 * @param actionType the action
 */
public record InstanceAction(@JsonProperty("action_type") Type actionType) implements FirecrackerRequest {

    /** The actions Firecracker knows, with their wire names. */
    public enum Type {
        /** Boots the configured guest; the end of the pre-boot phase. */
        INSTANCE_START("InstanceStart"),
        /** Presses Ctrl-Alt-Del on the guest's i8042 keyboard: a polite shutdown request (x86_64). */
        SEND_CTRL_ALT_DEL("SendCtrlAltDel"),
        /** Writes the metrics now rather than at the next period. */
        FLUSH_METRICS("FlushMetrics");

        private final String wireName;

        Type(String wireName) {
            this.wireName = wireName;
        }

        /** The name on the wire. */
        @JsonValue
        public String wireName() {
            return wireName;
        }
    }

    public InstanceAction {
        Objects.requireNonNull(actionType, "actionType");
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/actions";
    }
}
