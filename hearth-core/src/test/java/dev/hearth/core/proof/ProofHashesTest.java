// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.proof;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("Proof hashes match the ones Python computes (vectors.json, made by make-vectors.py)")
class ProofHashesTest {

    static Stream<JsonNode> vectors() throws IOException {
        try (InputStream in = ProofHashesTest.class.getResourceAsStream("vectors.json")) {
            List<JsonNode> list = new ArrayList<>();
            Json.mapper().readTree(in).forEach(list::add);
            assertThat(list).hasSizeGreaterThanOrEqualTo(6);
            return list.stream();
        }
    }

    @ParameterizedTest(name = "{index}: job {0}")
    @MethodSource("vectors")
    @DisplayName("the execution document is byte-for-byte Python's json.dumps(sort_keys=True)")
    void documentMatchesPython(JsonNode v) {
        assertThat(ProofHashes.executionDocument(v.get("jobId").asText(), v.get("logs").asText(),
                v.get("exitCode").asLong(), v.get("status").asText(), v.get("timestamp").asText()))
                .isEqualTo(v.get("document").asText());
    }

    @ParameterizedTest(name = "{index}: job {0}")
    @MethodSource("vectors")
    @DisplayName("logsHash and executionHash equal Python's")
    void hashesMatchPython(JsonNode v) {
        String logs = v.get("logs").asText();
        assertThat(ProofHashes.logsHash(logs)).isEqualTo(v.get("logsHash").asText());
        assertThat(ProofHashes.executionHash(v.get("jobId").asText(), logs, v.get("exitCode").asLong(),
                v.get("status").asText(), v.get("timestamp").asText())).isEqualTo(v.get("executionHash").asText());
    }

    @Test
    @DisplayName("the protocol document's own example logsHash holds")
    void protocolExample() {
        assertThat(ProofHashes.logsHash("hello done\n"))
                .isEqualTo("43b0d5d45d6d1c0076ffe42a41622c7596d74492a5f58caad5123cfaf95686ae");
    }

    @Test
    @DisplayName("keys sort by code point as Python does, not by UTF-16 unit")
    void sortsByCodePoint() {
        // U+FF61 sorts before U+1F600 by code point, but after its surrogate pair by UTF-16 unit.
        var map = new java.util.LinkedHashMap<String, Object>();
        map.put("\uD83D\uDE00", 1);
        map.put("\uFF61", 2);
        assertThat(PythonJson.dumps(map)).isEqualTo("{\"\\uff61\": 2, \"\\ud83d\\ude00\": 1}");
    }

    @Test
    @DisplayName("floats are refused rather than serialised differently from Python")
    void refusesFloats() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PythonJson.dumps(List.of(1.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Double");
    }
}
