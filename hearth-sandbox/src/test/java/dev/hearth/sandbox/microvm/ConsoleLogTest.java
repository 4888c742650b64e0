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
}
