// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

/** The sandbox engine (Docker daemon, VMM binary, KVM) cannot be reached or is not installed. */
public final class EngineUnavailableException extends SandboxException {

    /** With a one-line message that says what was tried and how to fix it. */
    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
