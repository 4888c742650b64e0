// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/** The answer to {@link Ping}. */
public record Pong() implements AgentMessage {
}
