// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("hearth job status shows a k-of-n job's copies, their payments and flags")
class JobStatusCopiesTest {

    private static String status(String json) throws Exception {
        StringWriter text = new StringWriter();
        Follow.printStatus(Json.mapper().readTree(json), new PrintWriter(text));
        return text.toString();
    }

    @Test
    @DisplayName("a k-of-n job lists each copy with its node, verdict, share and flag")
    void parent() throws Exception {
        String out = status("""
                {"id":"j","state":"completed","epoch":0,"attempts":0,"redundancy":{"n":3,"k":2},"copies":[
                 {"id":"j.copy1","index":1,"state":"completed","nodeId":"n1","verdict":"passed","share":"1",
                  "payment":"released"},
                 {"id":"j.copy2","index":2,"state":"completed","nodeId":"n2","verdict":"passed","share":"1",
                  "payment":"refunded","flagged":"disagrees with the majority of job j"},
                 {"id":"j.copy3","index":3,"state":"queued","share":"1","payment":"held"}]}""");
        assertThat(out).contains("redundancy     2 of 3 copies must agree")
                .containsPattern("#1 +completed +node n1 +passed +1 released")
                .contains("refunded; FLAGGED: disagrees with the majority of job j")
                .containsPattern("#3 +queued +node - +- +1 held");
    }

    @Test
    @DisplayName("a copy names the job it is a copy of")
    void copy() throws Exception {
        assertThat(status("{\"id\":\"j.copy2\",\"state\":\"running\",\"copyOf\":\"j\",\"copyIndex\":2}"))
                .contains("copy           2 of job j");
    }
}
