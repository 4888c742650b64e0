// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.protocol.JobLog;
import dev.hearth.sandbox.LogSink;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Live output: chunks with offsets, whole characters, bounded while the link lags")
class LiveOutputTest {

    @Test
    @DisplayName("chunks carry increasing offsets and nothing twice; an idle take is empty")
    void offsets() {
        LiveOutput live = new LiveOutput(100);
        assertThat(live.take("j", 2)).isEmpty();
        live.accept(LogSink.Stream.STDOUT, bytes("one\n"), 0, 4);
        live.accept(LogSink.Stream.STDERR, bytes("err\n"), 0, 4);
        assertThat(live.take("j", 2)).contains(new JobLog("j", 2, 0, "one\nerr\n"));
        assertThat(live.take("j", 2)).isEmpty();
        live.accept(LogSink.Stream.STDOUT, bytes("two\n"), 0, 4);
        assertThat(live.take("j", 2)).contains(new JobLog("j", 2, 8, "two\n"));
    }

    @Test
    @DisplayName("a character split across two reads arrives whole, per stream")
    void splitCharacter() {
        LiveOutput live = new LiveOutput(100);
        byte[] euro = bytes("€\n"); // three bytes and a newline
        live.accept(LogSink.Stream.STDOUT, euro, 0, 1);
        live.accept(LogSink.Stream.STDERR, bytes("e"), 0, 1);
        live.accept(LogSink.Stream.STDOUT, euro, 1, 3);
        assertThat(live.take("j", 1).orElseThrow().data()).isEqualTo("e€\n");
    }

    @Test
    @DisplayName("all output is streamed in bounded chunks, far past the result's 10,000 characters")
    void everything() {
        LiveOutput live = new LiveOutput(1 << 20);
        byte[] line = bytes("x".repeat(99) + "\n");
        for (int i = 0; i < 3000; i++) {
            live.accept(LogSink.Stream.STDOUT, line, 0, line.length);
        }
        StringBuilder got = new StringBuilder();
        java.util.List<JobLog> chunks = new java.util.ArrayList<>();
        live.drain("j", 1, () -> true, chunks::add);
        chunks.forEach(c -> {
            assertThat(c.offset()).isEqualTo(got.length());
            assertThat(c.data().length()).isLessThanOrEqualTo(LiveOutput.CHUNK_CHARS);
            got.append(c.data());
        });
        assertThat(got.length()).isEqualTo(300_000);
        assertThat(chunks).hasSize(5);
    }

    @Test
    @DisplayName("when the link falls behind, what does not fit is dropped and a marker stands in its place")
    void dropWithMarker() {
        LiveOutput live = new LiveOutput(10);
        live.accept(LogSink.Stream.STDOUT, bytes("abcdefgh"), 0, 8);
        assertThat(live.drain("j", 1, () -> false, c -> { })).isZero(); // the link has no room
        live.accept(LogSink.Stream.STDOUT, bytes("ijklmn"), 0, 6); // 2 fit, 4 dropped
        live.accept(LogSink.Stream.STDOUT, bytes("op"), 0, 2); // dropped: the marker must come first
        StringBuilder got = new StringBuilder();
        live.drain("j", 1, () -> true, c -> got.append(c.data()));
        live.accept(LogSink.Stream.STDOUT, bytes("qr"), 0, 2);
        live.drain("j", 1, () -> true, c -> got.append(c.data()));
        assertThat(got.toString()).isEqualTo("abcdefghij\n--- hearth: 6 characters of output dropped here: the link "
                + "to the coordinator fell behind the job ---\nqr");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
