// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.LogSink;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleLogTest {

    @TempDir
    Path dir;

    private static String out(int id, String text) {
        return "\001HO " + id + " " + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\n";
    }

    @Test
    @DisplayName("the service's output is decoded from its frames only; other execs and kernel text are left out")
    void tailAndFollow() throws Exception {
        Path log = dir.resolve("console.log");
        Files.writeString(log, "[ 0.1] kernel says hi\n\001HR 0 up\n" + out(0, "one\ntwo\n") + out(7, "exec output\n")
                + out(0, "three\n"));
        ConsoleLog console = new ConsoleLog(log);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        LogSink collect = (stream, bytes, off, len) -> {
            synchronized (sink) {
                sink.write(bytes, off, len);
            }
        };
        console.stream(2, false, collect).close();
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("two\nthree\n");
        sink.reset();
        try (Closeable follow = console.stream(0, true, collect)) {
            Files.writeString(log, out(0, "four\n"), StandardOpenOption.APPEND);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!sink.toString(StandardCharsets.UTF_8).contains("four") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("four\n");
    }

    @Test
    @DisplayName("the last exit belongs to the last boot; ready counts only after the given offset")
    void lastExitAndReady() throws Exception {
        Path log = dir.resolve("console.log");
        ConsoleLog console = new ConsoleLog(log);
        assertThat(console.lastExit()).isEmpty();
        assertThat(console.readySince(0)).isFalse();
        Files.writeString(log, "\001HR 0 up\n\001HX 0 137 0\n");
        assertThat(console.lastExit()).contains(137L);
        long second = Files.size(log);
        assertThat(console.readySince(second)).isFalse();
        Files.writeString(log, "\001HR 0 up\n", StandardOpenOption.APPEND);
        assertThat(console.readySince(second)).isTrue();
        assertThat(console.lastExit()).as("the second boot has not ended").isEmpty();
    }

    @Test
    @DisplayName("a guest printing past the cap, through a writer holding the log open for appending as QEMU does, "
            + "leaves it bounded (one previous file kept), and the newest lines and the last exit still read")
    void rotation() throws Exception {
        Path log = dir.resolve("console.log");
        long cap = 64 * 1024;
        ConsoleLog console = new ConsoleLog(log);
        StringBuilder frames = new StringBuilder("\001HR 0 up\n");
        for (int i = 0; i < 400; i++) {
            frames.append(out(0, "line " + i + " " + "x".repeat(200) + "\n"));
        }
        Path script = Files.writeString(dir.resolve("frames"), frames.toString());
        Files.createFile(log); // there before the shell opens it, so its size reads from the first look on
        // the shell opens the log once with O_APPEND (as QEMU's logappend=on and Firecracker's stdout do) and keeps
        // writing through the rotations
        Process writer = new ProcessBuilder("sh", "-c", "exec >>\"$0\"; for i in 1 2 3 4 5 6 7 8; do cat \"$1\"; "
                + "sleep 0.2; done; printf '\\001HX 0 3 0\\n'", log.toString(), script.toString()).start();
        long most = 0;
        while (writer.isAlive()) {
            console.rotate(cap);
            most = Math.max(most, Files.size(log));
            Thread.sleep(50);
        }
        assertThat(writer.waitFor()).isZero();
        console.rotate(cap);
        long total = 8 * Files.size(script);
        assertThat(total).as("the guest printed far past the cap").isGreaterThan(8 * cap);
        assertThat(Files.size(log)).isLessThanOrEqualTo(cap);
        assertThat(Files.size(console.previous())).isLessThanOrEqualTo(cap + 2 * Files.size(script));
        assertThat(most).as("never far past the cap between rotations").isLessThan(cap + 2 * Files.size(script));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        console.stream(3, false, (stream, bytes, off, len) -> sink.write(bytes, off, len)).close();
        assertThat(sink.toString(StandardCharsets.UTF_8)).startsWith("line 397 ").contains("line 398 ")
                .contains("line 399 ");
        assertThat(console.lastExit()).contains(3L);
    }
}
