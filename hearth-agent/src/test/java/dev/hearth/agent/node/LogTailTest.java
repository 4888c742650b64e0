// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.LogSink;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LogTailTest {

    @Test
    @DisplayName("keeps everything under the limit, then only the newest bytes, across chunks of any size")
    void keepsTheNewestBytes() {
        LogTail tail = new LogTail(8);
        feed(tail, "abc");
        assertThat(tail.text()).isEqualTo("abc");
        assertThat(tail.cut()).isFalse();
        feed(tail, "defgh");
        assertThat(tail.text()).isEqualTo("abcdefgh");
        feed(tail, "ij");
        assertThat(tail.text()).isEqualTo("cdefghij");
        assertThat(tail.cut()).isTrue();
        feed(tail, "0123456789XYZ"); // one chunk longer than the ring
        assertThat(tail.text()).isEqualTo("56789XYZ");
        feed(tail, "!");
        assertThat(tail.text()).isEqualTo("6789XYZ!");
    }

    private static void feed(LogTail tail, String text) {
        byte[] b = ("--" + text + "--").getBytes(StandardCharsets.UTF_8);
        tail.accept(LogSink.Stream.STDOUT, b, 2, b.length - 4);
    }
}
