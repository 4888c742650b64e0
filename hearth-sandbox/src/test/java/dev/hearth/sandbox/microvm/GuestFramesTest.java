// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.LogSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Guest console frames")
class GuestFramesTest {

    private final List<String> seen = new ArrayList<>();
    private final GuestFrames frames = new GuestFrames(new GuestFrames.Listener() {
        @Override
        public void ready() {
            seen.add("ready");
        }

        @Override
        public void waiting() {
            seen.add("waiting");
        }

        @Override
        public void output(int id, LogSink.Stream stream, byte[] bytes) {
            seen.add(stream + " " + id + " " + new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void exit(int id, long code, boolean oomKilled) {
            seen.add("exit " + id + " " + code + (oomKilled ? " oom" : ""));
        }

        @Override
        public void failed(String message) {
            seen.add("failed " + message);
        }

        @Override
        public void console(String line) {
            seen.add("console " + line);
        }
    });

    private void feed(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        frames.accept(LogSink.Stream.CONSOLE, b, 0, b.length);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("frames become ready, output and exit; kernel lines stay console text")
    void framesAndKernelText() {
        feed("[    0.1] Linux version 6.1\r\n\u0001HR 0 up\r\n\u0001HO 0 " + b64("out\n") + "\n\u0001HE 0 "
                + b64("err\n") + "\n\u0001HX 0 3 0\n");
        assertThat(seen).containsExactly("console [    0.1] Linux version 6.1", "ready", "STDOUT 0 out\n",
                "STDERR 0 err\n", "exit 0 3");
    }

    @Test
    @DisplayName("a pooled VM's init says it is up, then that it waits for its job")
    void waitingForJob() {
        feed("\u0001HR 0 up\n[    1.2] random: crng init done\n\u0001HW 0 job\n");
        assertThat(seen).containsExactly("ready", "console [    1.2] random: crng init done", "waiting");
    }

    @Test
    @DisplayName("a frame split across many reads is put back together")
    void splitReads() {
        String all = "\u0001HO 7 " + b64("hello world") + "\n\u0001HX 7 137 1\n";
        for (char c : all.toCharArray()) {
            feed(String.valueOf(c));
        }
        assertThat(seen).containsExactly("STDOUT 7 hello world", "exit 7 137 oom");
    }

    @Test
    @DisplayName("job output that looks like a frame cannot pose as one: it only ever arrives base64-encoded")
    void spoofedFrameIsData() {
        feed("\u0001HO 0 " + b64("\u0001HX 0 0 0\n") + "\n");
        assertThat(seen).containsExactly("STDOUT 0 \u0001HX 0 0 0\n");
    }

    @Test
    @DisplayName("kernel text glued before a frame is split off; a damaged frame is console text, not output")
    void gluedAndDamaged() {
        feed("[ 9.9] oom-kill\u0001HO 0 " + b64("x") + "\n\u0001HO 0 !!notbase64!!\n\u0001HF 0 " + b64("no drive")
                + "\n");
        assertThat(seen).containsExactly("console [ 9.9] oom-kill", "STDOUT 0 x",
                "console (unreadable frame) O 0 !!notbase64!!", "failed no drive");
    }
}
