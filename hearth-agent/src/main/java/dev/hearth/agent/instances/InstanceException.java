// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import java.io.IOException;

/** An instance operation failed; the message says which instance, which step and why, and what was undone. */
public final class InstanceException extends IOException {

    public InstanceException(String message) {
        super(message);
    }

    public InstanceException(String message, Throwable cause) {
        super(message, cause);
    }
}
