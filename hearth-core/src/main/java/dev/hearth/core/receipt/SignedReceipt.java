// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import java.io.UncheckedIOException;

/**
 * A receipt with its signature: the document {@code hearth job receipt} downloads and {@code hearth verify} reads,
 * {@code {"receipt": {...}, "signature": "<base64>"}}.
 *
 * @param receipt what the node states
 * @param signature base64 Ed25519 signature of {@link Receipt#signingInput()}
 */
public record SignedReceipt(Receipt receipt, String signature) {

    /**
     * Reads the document.
     *
     * @param where names the input in an error
     * @throws InvalidInputException when it is not JSON of this shape
     */
    public static SignedReceipt parse(String where, String json) {
        SignedReceipt r;
        try {
            r = Json.mapper().readValue(json, SignedReceipt.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(where, "(not a receipt document)", "a receipt document {\"receipt\":{...},\"signature\":\"...\"} "
                    + "as 'hearth job receipt' writes it (" + e.getOriginalMessage() + ")");
        }
        if (r == null || r.receipt() == null || r.signature() == null) {
            throw new InvalidInputException(where, "(incomplete)",
                    "a receipt document with both \"receipt\" and \"signature\", as 'hearth job receipt' writes it");
        }
        return r;
    }

    /** The document's JSON, indented for reading (the signature covers the canonical form, not this text). */
    public String json() {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("a receipt always serialises", e);
        }
    }
}
