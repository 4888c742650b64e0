// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

/** Acknowledges a heartbeat; v2.0 agents ignore it. */
public record Ack() implements CoordinatorMessage {
}
