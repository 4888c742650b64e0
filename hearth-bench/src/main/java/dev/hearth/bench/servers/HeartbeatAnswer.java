// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench.servers;

import dev.hearth.core.protocol.Ack;
import dev.hearth.core.protocol.ErrorCode;
import dev.hearth.core.protocol.ErrorMessage;
import dev.hearth.core.protocol.Heartbeat;
import dev.hearth.core.protocol.ProtocolCodec;
import dev.hearth.core.protocol.ProtocolException;

/**
 * What every candidate server does with one whole text frame, the coordinator hub's per-heartbeat work in its
 * cheapest honest form: parse it as a {@code hearth/1} agent message with Jackson and answer a {@code heartbeat}
 * with a freshly encoded {@code ack}. A frame that does not parse gets an {@code invalid_message} error (which the
 * bench counts); any other valid message gets no answer. No store, no registration. Stateless and thread-safe.
 */
final class HeartbeatAnswer {

    private HeartbeatAnswer() {
    }

    /** The frame to send back for {@code frame}, or null when none is due. */
    static String to(String frame) {
        try {
            return ProtocolCodec.decodeAgentMessage(frame) instanceof Heartbeat ? ProtocolCodec.encode(new Ack()) : null;
        } catch (ProtocolException e) {
            return ProtocolCodec.encode(ErrorMessage.of(ErrorCode.INVALID_MESSAGE, e.getMessage()));
        }
    }
}
