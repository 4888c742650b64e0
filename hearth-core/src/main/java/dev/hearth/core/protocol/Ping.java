package dev.hearth.core.protocol;

/** Asks the agent for a {@link Pong}. */
public record Ping() implements CoordinatorMessage {
}
