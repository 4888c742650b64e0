// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import dev.hearth.sandbox.SandboxException;

/**
 * Firecracker answered a request with a status other than 2xx. Carries the request's method and path, the status
 * and Firecracker's {@code fault_message} (its own words on what was wrong), all in the message too.
 */
public final class FirecrackerApiException extends SandboxException {

    private final String method;
    private final String path;
    private final int status;
    private final String faultMessage;

    /** For an answer with this status and fault message (the body's text when it had no fault_message). */
    public FirecrackerApiException(String method, String path, int status, String faultMessage) {
        super("Firecracker API " + method + " " + path + " answered " + status + ": " + faultMessage);
        this.method = method;
        this.path = path;
        this.status = status;
        this.faultMessage = faultMessage;
    }

    /** The request's method. */
    public String method() {
        return method;
    }

    /** The request's path. */
    public String path() {
        return path;
    }

    /** The HTTP status Firecracker answered. */
    public int status() {
        return status;
    }

    /** Firecracker's {@code fault_message}. */
    public String faultMessage() {
        return faultMessage;
    }
}
