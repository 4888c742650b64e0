// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import java.util.HashMap;
import java.util.Map;

/**
 * The wire name ({@code type} field) of each protocol record, read once from the {@link JsonSubTypes} of
 * {@link AgentMessage} and {@link CoordinatorMessage}, so metrics and logs name a message as docs/protocol.md does.
 * Thread-safe (immutable).
 */
public final class MessageTypes {

    private static final Map<Class<?>, String> NAMES = names();

    private MessageTypes() {
    }

    /** The wire name of {@code message} ({@code "heartbeat"}, {@code "job"}, ...). */
    public static String of(AgentMessage message) {
        return NAMES.get(message.getClass());
    }

    /** The wire name of {@code message} ({@code "ack"}, {@code "job"}, ...). */
    public static String of(CoordinatorMessage message) {
        return NAMES.get(message.getClass());
    }

    /** Every wire name of messages an agent sends. */
    public static java.util.List<String> agentTypes() {
        return list(AgentMessage.class);
    }

    /** Every wire name of messages the coordinator sends. */
    public static java.util.List<String> coordinatorTypes() {
        return list(CoordinatorMessage.class);
    }

    private static java.util.List<String> list(Class<?> family) {
        return java.util.Arrays.stream(family.getAnnotation(JsonSubTypes.class).value()).map(JsonSubTypes.Type::name)
                .toList();
    }

    private static Map<Class<?>, String> names() {
        Map<Class<?>, String> names = new HashMap<>();
        for (Class<?> family : new Class<?>[] {AgentMessage.class, CoordinatorMessage.class}) {
            for (JsonSubTypes.Type t : family.getAnnotation(JsonSubTypes.class).value()) {
                names.put(t.value(), t.name());
            }
        }
        return Map.copyOf(names);
    }
}
