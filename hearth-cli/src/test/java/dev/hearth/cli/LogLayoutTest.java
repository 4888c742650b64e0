// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.core.log.LogFields;
import java.io.IOException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Log lines: one per event, ids as fields, JSON off a terminal and text on one")
class LogLayoutTest {

    private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    private final Logger logger = context.getLogger("dev.hearth.coordinator.hub.MessageHandler");

    private String line(LogLayout.Format format, String message, Throwable error) {
        LogLayout layout = new LogLayout();
        layout.setContext(context);
        layout.start();
        layout.format(format);
        try (var fields = LogFields.job("7f0c", "node-1", 3L, "4bf92f3577b34da6a3ce929d0e0e4736")
                .with(LogFields.CLIENT, "client:acme")) {
            return layout.doLayout(new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, error,
                    null));
        }
    }

    @Test
    @DisplayName("JSON: one object on one line, the MDC ids as fields, the stack trace with its cause folded in")
    void json() throws Exception {
        String line = line(LogLayout.Format.JSON, "refused\nsecond line", new IOException("outer",
                new IllegalStateException("inner")));
        assertThat(line).endsWith("\n");
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode j = Json.mapper().readTree(line);
        assertThat(j.get("level").asText()).isEqualTo("WARN");
        assertThat(j.get("logger").asText()).isEqualTo("MessageHandler");
        assertThat(j.get("msg").asText()).isEqualTo("refused\nsecond line");
        assertThat(j.get("job").asText()).isEqualTo("7f0c");
        assertThat(j.get("node").asText()).isEqualTo("node-1");
        assertThat(j.get("epoch").asText()).isEqualTo("3");
        assertThat(j.get("client").asText()).isEqualTo("client:acme");
        assertThat(j.get("trace").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(j.get("error").asText()).contains("java.io.IOException: outer | at ")
                .contains("Caused by: java.lang.IllegalStateException: inner");
    }

    @Test
    @DisplayName("text: time, level, logger and message, then key=value fields, all on one line")
    void text() {
        String line = line(LogLayout.Format.TEXT, "refused\nsecond line", new IOException("outer"));
        assertThat(line.strip()).doesNotContain("\n")
                .contains("WARN  MessageHandler: refused\\nsecond line")
                .contains(" job=7f0c").contains(" node=node-1").contains(" epoch=3").contains(" client=client:acme")
                .contains(" trace=4bf92f3577b34da6a3ce929d0e0e4736").contains("error=\"java.io.IOException: outer | at ");
    }

    @Test
    @DisplayName("the format: HEARTH_LOG_FORMAT when it names one, else text on a terminal and JSON elsewhere")
    void choice() {
        assertThat(LogLayout.chosen(null, true)).isEqualTo(LogLayout.Format.TEXT);
        assertThat(LogLayout.chosen(null, false)).isEqualTo(LogLayout.Format.JSON);
        assertThat(LogLayout.chosen("json", true)).isEqualTo(LogLayout.Format.JSON);
        assertThat(LogLayout.chosen("TEXT", false)).isEqualTo(LogLayout.Format.TEXT);
        assertThat(LogLayout.chosen("xml", false)).isEqualTo(LogLayout.Format.JSON);
    }

    @Test
    @DisplayName("a scope gives back the outer scope's value when it closes")
    void nestedScopes() {
        try (var outer = LogFields.scope().with(LogFields.JOB, "a")) {
            try (var inner = LogFields.scope().with(LogFields.JOB, "b")) {
                assertThat(org.slf4j.MDC.get(LogFields.JOB)).isEqualTo("b");
            }
            assertThat(org.slf4j.MDC.get(LogFields.JOB)).isEqualTo("a");
        }
        assertThat(org.slf4j.MDC.get(LogFields.JOB)).isNull();
    }
}
