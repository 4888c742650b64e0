// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import java.util.Locale;

/** Stable error codes of the protocol (docs/protocol.md lists when each is sent). */
public enum ErrorCode {
    /** Not JSON, or not an object with a known shape. */
    INVALID_MESSAGE,
    /** A {@code type} this side does not know. */
    UNKNOWN_TYPE,
    /** A frame over the size cap; the connection is closed with 1009. */
    FRAME_TOO_LARGE,
    /** No token in register. */
    TOKEN_REQUIRED,
    /** A token the coordinator does not know, or one that expired unused. */
    INVALID_TOKEN,
    /** A token already bound to another node key. */
    TOKEN_BOUND_TO_OTHER_NODE,
    /** A register whose signature does not verify with its key. */
    BAD_SIGNATURE,
    /** A message other than register before registration. */
    NOT_REGISTERED,
    /** A message naming a job the coordinator does not know. */
    UNKNOWN_JOB,
    /** A message about a job this node does not hold. */
    NOT_YOUR_JOB,
    /** A result or message for a lease epoch that was taken from this node. */
    STALE_LEASE,
    /** A second result for a job that already has one. */
    ALREADY_FINAL,
    /** A protocol version the coordinator does not speak. */
    PROTOCOL_UNSUPPORTED,
    /** A result the oracle refused: a check of its receipt, hashes, lease or policy failed (the reason names it). */
    VERIFICATION_FAILED,
    /**
     * A {@code job_result} over the frame cap: answered with a refused {@code result_ack} naming the job, and the
     * connection stays open; the agent keeps the result aside (it will never fit) and sends the ones behind it.
     */
    RESULT_TOO_LARGE,
    /**
     * The coordinator could not handle a well-formed message now (its store failed or did not answer in time): not
     * the sender's fault; send it again later. A result stays in the agent's outbox and goes again at its next
     * registration.
     */
    UNAVAILABLE;

    /** The code on the wire: {@code invalid_message}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
