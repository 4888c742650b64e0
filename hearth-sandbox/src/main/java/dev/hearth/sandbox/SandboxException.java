// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.io.IOException;

/** A sandbox engine refused or failed an operation. The message says what was attempted and on which sandbox. */
public class SandboxException extends IOException {

    /** With a message that names the operation and the sandbox. */
    public SandboxException(String message) {
        super(message);
    }

    /** With a message that names the operation and the sandbox, and its cause. */
    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
