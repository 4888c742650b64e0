// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Live logs keep the current lease's streamed text, in order, once")
class LiveLogsTest {

    @Test
    @DisplayName("chunks join by offset; a repeated or overlapping chunk adds only what is new; reads start anywhere")
    void joins() {
        LiveLogs logs = new LiveLogs();
        assertThat(logs.read("j", 0)).isEmpty();
        logs.append("j", 1, 0, "one\n");
        logs.append("j", 1, 4, "two\n");
        logs.append("j", 1, 4, "two\n");
        logs.append("j", 1, 6, "o\nthree\n");
        assertThat(logs.read("j", 0).orElseThrow()).isEqualTo(new LiveLogs.Chunk(1, 14, "one\ntwo\nthree\n"));
        assertThat(logs.read("j", 8).orElseThrow().data()).isEqualTo("three\n");
        assertThat(logs.read("j", 99).orElseThrow().data()).isEmpty();
    }

    @Test
    @DisplayName("a newer lease starts the text again; an older one's chunks are dropped; forget clears")
    void epochs() {
        LiveLogs logs = new LiveLogs();
        logs.append("j", 1, 0, "first try\n");
        logs.append("j", 2, 0, "second\n");
        logs.append("j", 1, 10, "late\n");
        assertThat(logs.read("j", 0).orElseThrow()).isEqualTo(new LiveLogs.Chunk(2, 7, "second\n"));
        logs.forget("j");
        assertThat(logs.read("j", 0)).isEmpty();
    }

    @Test
    @DisplayName("a job's text stops at the cap")
    void cap() {
        LiveLogs logs = new LiveLogs();
        logs.append("j", 1, 0, "x".repeat(LiveLogs.MAX_CHARS - 2));
        logs.append("j", 1, LiveLogs.MAX_CHARS - 2, "abcdef");
        assertThat(logs.read("j", LiveLogs.MAX_CHARS - 2).orElseThrow().data()).isEqualTo("ab");
    }

    @Test
    @DisplayName("past the total characters or jobs the texts written to longest ago are dropped, and counted")
    void totals() {
        LiveLogs logs = new LiveLogs(100, 250, 3);
        logs.append("a", 1, 0, "x".repeat(100));
        logs.append("b", 1, 0, "y".repeat(100));
        logs.append("c", 1, 0, "z".repeat(100));
        assertThat(logs.read("a", 0)).as("the oldest text went").isEmpty();
        assertThat(logs.read("c", 0).orElseThrow().length()).isEqualTo(100);
        assertThat(logs.totalChars()).isEqualTo(200);
        logs.append("b", 1, 100, "more");
        logs.append("d", 1, 0, "d");
        logs.append("e", 1, 0, "e");
        assertThat(logs.read("c", 0)).as("past 3 jobs the least recently written goes").isEmpty();
        assertThat(logs.read("b", 0)).isPresent();
        assertThat(logs.dropped()).isEqualTo(2);
        logs.forget("b");
        logs.forget("d");
        logs.forget("e");
        assertThat(logs.totalChars()).isZero();
    }
}
