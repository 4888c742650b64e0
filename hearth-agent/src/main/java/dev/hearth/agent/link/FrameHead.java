// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The {@code type} and {@code id} of a message that could not be read whole (cut at the link's cap, or of a shape
 * that does not fit its record), read from its first characters as far as they are well-formed JSON, so that its
 * owner can answer it. Only string values of top-level fields count; either part is null when it was not found.
 *
 * @param type the message's {@code type}, or null
 * @param id the message's {@code id}, or null
 */
public record FrameHead(String type, String id) {

    /** How much of a message is looked at: the head of a message, never the whole of a huge one. */
    static final int SCAN_CHARS = 64 * 1024;
    private static final JsonFactory JSON = new JsonFactory();

    /** The head of {@code text}; never throws, whatever the text is. */
    public static FrameHead of(String text) {
        String type = null;
        String id = null;
        String scanned = text.length() > SCAN_CHARS ? text.substring(0, SCAN_CHARS) : text;
        try (JsonParser p = JSON.createParser(scanned)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new FrameHead(null, null);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING && "type".equals(name) && type == null) {
                    type = p.getText();
                } else if (value == JsonToken.VALUE_STRING && "id".equals(name) && id == null) {
                    id = p.getText();
                } else {
                    p.skipChildren();
                }
                if (type != null && id != null) {
                    break;
                }
            }
        } catch (IOException e) {
            // the text ends (cut at the cap) or turns malformed here: what was read before still holds
        }
        return new FrameHead(type, id);
    }
}
