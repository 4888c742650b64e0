// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/**
 * Coordinator to a Hearth agent: a lifecycle command on one instance, or a read of its log's tail; answered by one
 * {@code instance_result} (for {@value #LOGS}, with the tail in {@link InstanceResult#log()}).
 *
 * @param requestId the coordinator's id for this command, echoed in the answer
 * @param instanceId the instance
 * @param action {@code start}, {@code stop}, {@code restart}, {@code pause}, {@code resume}, {@code destroy} or
 *     {@value #LOGS}
 */
public record InstanceAction(String requestId, String instanceId, String action) implements CoordinatorMessage {

    /**
     * The read of an instance's guest output: its last {@value #LOG_LINES} lines, at most {@link #LOG_BYTES} bytes
     * (the newest kept). Not one of {@link #ACTIONS}: it changes nothing, and an agent older than it answers
     * {@code invalid_input} naming {@code action}.
     */
    public static final String LOGS = "logs";
    /** The lines of guest output a {@value #LOGS} read asks the runtime for. */
    public static final int LOG_LINES = 200;
    /** The most bytes of guest output one {@value #LOGS} answer carries; the older bytes are cut. */
    public static final int LOG_BYTES = 64 * 1024;

    /**
     * The lifecycle actions an agent accepts. {@code pause} and {@code resume} came later: an agent older than them
     * answers {@code invalid_input} naming {@code action}.
     */
    public static final java.util.List<String> ACTIONS = java.util.List.of("start", "stop", "restart", "pause",
            "resume", "destroy");
}
