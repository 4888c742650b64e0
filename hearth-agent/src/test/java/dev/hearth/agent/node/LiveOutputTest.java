// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.protocol.JobLog;
import dev.hearth.sandbox.LogSink;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Live output: chunks with offsets, whole characters, capped like the result's logs")
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
    @DisplayName("output past the cap is not streamed")
    void cap() {
        LiveOutput live = new LiveOutput(5);
        live.accept(LogSink.Stream.STDOUT, bytes("abc"), 0, 3);
        assertThat(live.take("j", 1).orElseThrow().data()).isEqualTo("abc");
        live.accept(LogSink.Stream.STDOUT, bytes("defgh"), 0, 5);
        assertThat(live.take("j", 1)).contains(new JobLog("j", 1, 3, "de"));
        live.accept(LogSink.Stream.STDOUT, bytes("more"), 0, 4);
        assertThat(live.take("j", 1)).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
