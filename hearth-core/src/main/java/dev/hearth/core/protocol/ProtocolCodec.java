// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;

/**
 * Reads and writes protocol frames: one JSON object per text frame, {@code type} first. Unknown fields are ignored
 * (both sides may be newer), unknown types and malformed frames become a {@link ProtocolException} with the code
 * to answer. Stateless and thread-safe.
 */
public final class ProtocolCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder(dev.hearth.core.json.Json.factory())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ProtocolCodec() {
    }

    /** The JSON text of a message to an agent. */
    public static String encode(CoordinatorMessage message) {
        return write(message, CoordinatorMessage.class);
    }

    /** The JSON text of a message to the coordinator. */
    public static String encode(AgentMessage message) {
        return write(message, AgentMessage.class);
    }

    private static String write(Object message, Class<?> family) {
        try {
            return MAPPER.writerFor(family).writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("protocol records always serialise: " + message.getClass(), e);
        }
    }

    /** Reads a frame an agent sent. */
    public static AgentMessage decodeAgentMessage(String frame) throws ProtocolException {
        return read(frame, AgentMessage.class);
    }

    /** Reads a frame the coordinator sent. */
    public static CoordinatorMessage decodeCoordinatorMessage(String frame) throws ProtocolException {
        return read(frame, CoordinatorMessage.class);
    }

    private static <T> T read(String frame, Class<T> family) throws ProtocolException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "Invalid message format: not JSON ("
                    + e.getOriginalMessage() + ")", e);
        }
        if (tree == null || !tree.isObject()) {
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "Invalid message format: not a JSON object", null);
        }
        JsonNode type = tree.get("type");
        if (type == null || !type.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "Invalid message format: no \"type\" field", null);
        }
        try {
            return MAPPER.treeToValue(tree, family);
        } catch (InvalidTypeIdException e) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "Unknown message type: " + type.asText(), e);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "Invalid message format: " + type.asText()
                    + " message does not fit its shape" + at(e) + " (" + e.getOriginalMessage() + ")", e);
        }
    }

    /** Where in the message a mapping failed, e.g. {@code " at field cpuLimit"}; empty when unknown. */
    private static String at(JsonProcessingException e) {
        if (!(e instanceof com.fasterxml.jackson.databind.JsonMappingException m) || m.getPath().isEmpty()) {
            return "";
        }
        StringBuilder path = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "" : " at field " + path;
    }
}
