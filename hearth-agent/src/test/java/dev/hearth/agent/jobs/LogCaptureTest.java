// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.LogSink.Stream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Log capture keeps the first N characters, counts every byte and marks a cut")
class LogCaptureTest {

    private static void feed(LogCapture c, Stream s, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        c.accept(s, b, 0, b.length);
    }

    @Test
    @DisplayName("output under the cap is kept whole, interleaved in arrival order")
    void underCap() {
        LogCapture c = new LogCapture(100);
        feed(c, Stream.STDOUT, "out1\n");
        feed(c, Stream.STDERR, "err1\n");
        feed(c, Stream.STDOUT, "out2\n");
        assertThat(c.text()).isEqualTo("out1\nerr1\nout2\n");
        assertThat(c.truncated()).isFalse();
        assertThat(c.totalBytes()).isEqualTo(15);
    }

    @Test
    @DisplayName("output over the cap is cut at N code points with a marker giving the full byte count")
    void overCap() {
        LogCapture c = new LogCapture(5);
        feed(c, Stream.STDOUT, "héllo wörld");
        assertThat(c.truncated()).isTrue();
        assertThat(c.totalBytes()).isEqualTo(13);
        assertThat(c.text()).isEqualTo("héllo\n[hearth: log truncated after 5 characters; the job wrote 13 bytes]\n");
    }

    @Test
    @DisplayName("exactly N characters is not a cut")
    void exactlyCap() {
        LogCapture c = new LogCapture(5);
        feed(c, Stream.STDOUT, "12345");
        assertThat(c.truncated()).isFalse();
        assertThat(c.text()).isEqualTo("12345");
    }

    @Test
    @DisplayName("a character split across chunks of one stream decodes whole; one split by another stream's chunk too")
    void splitMultiByte() {
        LogCapture c = new LogCapture(100);
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8); // 3 bytes
        c.accept(Stream.STDOUT, euro, 0, 1);
        feed(c, Stream.STDERR, "x");
        c.accept(Stream.STDOUT, euro, 1, 2);
        assertThat(c.text()).isEqualTo("x€");
    }

    @Test
    @DisplayName("invalid UTF-8 becomes replacement characters, as Python's errors='replace'")
    void invalidBytes() {
        LogCapture c = new LogCapture(100);
        c.accept(Stream.STDOUT, new byte[] {'a', (byte) 0xff, 'b', (byte) 0xe2, (byte) 0x82}, 0, 5);
        assertThat(c.text()).isEqualTo("a\uFFFDb\uFFFD");
    }

    @Test
    @DisplayName("a surrogate pair counts as one character, as in Python")
    void astralCountsOnce() {
        LogCapture c = new LogCapture(2);
        feed(c, Stream.STDOUT, "😀😀");
        assertThat(c.truncated()).isFalse();
        assertThat(c.text()).isEqualTo("😀😀");
    }
}
