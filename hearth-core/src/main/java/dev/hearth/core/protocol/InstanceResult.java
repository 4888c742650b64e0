// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Agent to coordinator: how an instance command ended.
 *
 * @param requestId the command's id
 * @param ok whether it did what was asked
 * @param instanceId the instance
 * @param instance the instance as it is now (absent after destroy or a failed create)
 * @param code when not ok: {@code invalid_input} (refused before anything was made; {@code field} names the
 *     document field), {@code unknown_instance}, {@code failed} (the message names the step; everything made was
 *     removed), {@code unsupported} (no instances on this node)
 * @param field with {@code invalid_input}: the document field at fault
 * @param message when not ok: what went wrong and what to do; never a secret
 * @param log for a {@link InstanceAction#LOGS} read that was ok: the tail of the guest's output, at most
 *     {@link InstanceAction#LOG_BYTES} bytes of UTF-8; absent otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstanceResult(String requestId, boolean ok, String instanceId, InstanceReport instance, String code,
        String field, String message, String log) implements AgentMessage {

    /** A command that did what was asked. */
    public static InstanceResult done(String requestId, String instanceId, InstanceReport instance) {
        return new InstanceResult(requestId, true, instanceId, instance, null, null, null, null);
    }

    /** A {@link InstanceAction#LOGS} read that did: {@code log} is the tail of the guest's output. */
    public static InstanceResult log(String requestId, String instanceId, String log) {
        return new InstanceResult(requestId, true, instanceId, null, null, null, null, log);
    }

    /** A command that did not. */
    public static InstanceResult failed(String requestId, String instanceId, String code, String field,
            String message) {
        return new InstanceResult(requestId, false, instanceId, null, code, field, message, null);
    }

    /** The fields, with the log as its length only: guest output may hold what the owner alone should read. */
    @Override
    public String toString() {
        return "InstanceResult[requestId=" + requestId + ", ok=" + ok + ", instanceId=" + instanceId + ", instance="
                + instance + ", code=" + code + ", field=" + field + ", message=" + message + ", log="
                + (log == null ? "null" : log.length() + " chars") + "]";
    }
}
