// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/** Names and limits of the agent–coordinator protocol. */
public final class Protocol {

    /** Hearth's own protocol, announced by Hearth agents in {@code register.protocol}. */
    public static final String HEARTH_V1 = "hearth/1";
    /**
     * The WebSocket subprotocol ({@code Sec-WebSocket-Protocol}) a Hearth agent offers so that the coordinator greets
     * it with a hello; a subprotocol name must be an HTTP token, so it cannot be {@link #HEARTH_V1} itself.
     */
    public static final String HEARTH_SUBPROTOCOL = "hearth.v1";
    /** What a register without a protocol field is taken to speak: the Hypernode agent v2.0. */
    public static final String HYPERNODE_V2 = "hypernode/2.0";
    /** The WebSocket path agents connect to. */
    public static final String AGENT_PATH = "/v1/agent";
    /** Default cap on one inbound frame (after reassembly), in bytes. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 4 << 20;

    private Protocol() {
    }

    /** The text a Hearth agent signs to prove it holds its node key: the nonce of the coordinator's hello. */
    public static byte[] registrationChallenge(String nonce) {
        return ("hearth-register\n" + nonce).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
