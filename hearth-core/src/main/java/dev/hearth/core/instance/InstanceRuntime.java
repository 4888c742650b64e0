// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.instance;

import dev.hearth.core.InvalidInputException;
import java.util.Locale;

/** The kind of sandbox an instance runs in. */
public enum InstanceRuntime {
    /** A Docker container on the engine's bridge. */
    DOCKER,
    /** A QEMU microVM (KVM, or TCG without it). */
    QEMU,
    /** A Firecracker microVM (KVM). */
    FIRECRACKER;

    /** The accepted spellings, for error messages. */
    public static final String FORM = "docker, qemu or firecracker";

    /** The name used on the command line and in state files. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this runtime is a microVM (needs an IP from the pool, a TAP, a guest disk). */
    public boolean microVm() {
        return this != DOCKER;
    }

    /** Parses {@code --runtime}. */
    public static InstanceRuntime parse(String field, String text) {
        if (text != null) {
            for (InstanceRuntime r : values()) {
                if (r.label().equals(text.strip())) {
                    return r;
                }
            }
        }
        throw new InvalidInputException(field, text, FORM);
    }
}
