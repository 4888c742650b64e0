// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.log.LogFields;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** LogFields (hearth-core) under the coordinator's real logging, whose MDC holds what is put in it. */
class LogFieldsTest {

    @Test
    @DisplayName("ids become fields for the scope and go with it; a value a peer shaped otherwise never becomes one")
    void idsOnly() {
        try (var outer = LogFields.instance("3b4e-node", "bot-1")) {
            try (var inner = LogFields.job("7f0c-job", "other-node", 3L, null).with(LogFields.CLIENT, "client:alice")
                    .with(LogFields.INSTANCE, "x\n{\"level\":\"ERROR\"}").with(LogFields.TRACE, "t".repeat(129))) {
                assertThat(MDC.get(LogFields.JOB)).isEqualTo("7f0c-job");
                assertThat(MDC.get(LogFields.NODE)).isEqualTo("other-node");
                assertThat(MDC.get(LogFields.EPOCH)).isEqualTo("3");
                assertThat(MDC.get(LogFields.CLIENT)).isEqualTo("client:alice");
                assertThat(MDC.get(LogFields.INSTANCE)).as("not an id: the outer value stands").isEqualTo("bot-1");
                assertThat(MDC.get(LogFields.TRACE)).as("too long").isNull();
            }
            assertThat(MDC.get(LogFields.NODE)).isEqualTo("3b4e-node");
            assertThat(MDC.get(LogFields.JOB)).isNull();
        }
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
    }
}
