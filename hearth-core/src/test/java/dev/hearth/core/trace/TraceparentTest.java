// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("W3C traceparent: strict parsing of a stranger's value, new traces and child spans")
class TraceparentTest {

    @Test
    @DisplayName("the specification's example parses and prints back the same")
    void example() {
        String header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        Traceparent t = Traceparent.parse(header).orElseThrow();
        assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(t.spanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(t).hasToString(header);
    }

    @Test
    @DisplayName("malformed values are empty, never an error: uppercase, zero ids, version ff, extra text, newlines")
    void malformed() {
        for (String bad : new String[] {null, "", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n{\"level\":\"ERROR\"}",
                "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "x".repeat(600)}) {
            assertThat(Traceparent.parse(bad)).as(String.valueOf(bad)).isEmpty();
        }
        assertThat(Traceparent.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later"))
                .as("a later version's extra fields are ignored").isPresent();
    }

    @Test
    @DisplayName("a new trace and a child span are well formed; the child keeps the trace id with a new span id")
    void newAndChild() {
        Random random = new Random(7);
        Traceparent t = Traceparent.newTrace(random);
        assertThat(Traceparent.parse(t.toString())).contains(t);
        Traceparent child = t.child(random);
        assertThat(child.traceId()).isEqualTo(t.traceId());
        assertThat(child.spanId()).isNotEqualTo(t.spanId());
        assertThatThrownBy(() -> new Traceparent("abc", "00f067aa0ba902b7", "01"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 lowercase hex digits");
    }
}
