package dev.hearth.core.protocol;

/** The answer to {@link Ping}. */
public record Pong() implements AgentMessage {
}
