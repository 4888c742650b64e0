// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/** Asks the agent for a {@link Pong}. */
public record Ping() implements CoordinatorMessage {
}
