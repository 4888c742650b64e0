// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A followed log keeps its byte offset and epoch across reads, characters and the placed-again line")
class LogStreamTest {

    private final StringBuilder out = new StringBuilder();
    private final LogStream log = new LogStream(out::append);

    private void feed(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        log.feed(b, b.length);
    }

    private void feedBytes(byte[] b, int from, int to) {
        byte[] part = java.util.Arrays.copyOfRange(b, from, to);
        log.feed(part, part.length);
    }

    @Test
    @DisplayName("offsets count UTF-8 bytes, and a character split between two reads arrives whole")
    void bytes() {
        byte[] b = "é€😀\n".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            feedBytes(b, i, i + 1);
        }
        assertThat(out.toString()).isEqualTo("é€😀\n");
        assertThat(log.offset()).isEqualTo(b.length);
    }

    @Test
    @DisplayName("the placed-again line, even split across reads, switches the epoch and restarts the offset after it")
    void placedAgain() {
        log.answeredEpoch(1);
        feed("one\ntwo\n--- hearth: job placed");
        assertThat(log.offset()).as("a possible marker is held back").isEqualTo(8);
        feed(" again (epoch 2) ---\nthree\n");
        assertThat(out.toString()).isEqualTo("one\ntwo\n--- hearth: job placed again (epoch 2) ---\nthree\n");
        assertThat(log.epoch()).isEqualTo(2);
        assertThat(log.offset()).isEqualTo("three\n".length());
    }

    @Test
    @DisplayName("a held line is dropped on reconnect (the coordinator sends it again), and a look-alike passes")
    void reconnect() {
        feed("a\n--- hearth: job");
        log.reconnecting();
        feed("--- hearth: jobs are fine\n-x\n");
        log.finish();
        assertThat(out.toString()).isEqualTo("a\n--- hearth: jobs are fine\n-x\n");
        assertThat(log.epoch()).isEqualTo(-1);
        assertThat(log.offset()).isEqualTo("a\n--- hearth: jobs are fine\n-x\n".length());
    }
}
