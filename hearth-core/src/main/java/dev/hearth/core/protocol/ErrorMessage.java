// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/**
 * Something the agent sent was refused. v2.0 agents read {@code message}; Hearth agents switch on {@code code}.
 *
 * @param code a stable {@link ErrorCode} wire name
 * @param message human text, with the state a reader needs
 */
public record ErrorMessage(String code, String message) implements CoordinatorMessage {

    /** An error of a known code. */
    public static ErrorMessage of(ErrorCode code, String message) {
        return new ErrorMessage(code.wireName(), message);
    }
}
