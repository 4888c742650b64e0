// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/** A frame that cannot be read as a protocol message; carries the code to answer with. */
public final class ProtocolException extends Exception {

    private final ErrorCode code;

    /** With the code to send back and a message naming what was wrong. */
    public ProtocolException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The error code to answer with. */
    public ErrorCode code() {
        return code;
    }
}
