// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.SandboxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest channel over a FIFO and a console log, as an instance's firecracker wires its serial console. The guest
 * here is a shell loop on the host that holds the FIFO as firecracker does ({@code <>}) and answers in hearth-init's
 * frames: it really runs an exec's script and writes a file's content, so what crosses the FIFO is checked whole.
 */
@DisplayName("GuestConsole over a FIFO and a console log (Firecracker's serial wiring)")
class GuestConsoleFifoTest {

    /** hearth-init's request loop, reduced to x (exec), w (write a file) and t (terminate). */
    private static final String GUEST = """
            exec 0<>"$1" >>"$2"
            while read -r kind id a b c d; do
              case "$kind" in
                x) out=$(printf %s "$a" | base64 -d | sh 2>/dev/null | base64 -w0); code=$?
                   printf '\\001HO %s %s\\n\\001HX %s 0\\n' "$id" "$out" "$id" ;;
                w) printf %s "$d" | base64 -d > "$3/written"; echo "$a $b $c" > "$3/written.meta"
                   printf '\\001HX %s 0\\n' "$id" ;;
                t) echo terminated > "$3/terminated" ;;
                p) mkfifo "$3/i$id"
                   { printf %s "$c" | base64 -d > "$3/script"
                     exec 4<>"$3/i$id"; printf '\001HR %s tty\n' "$id"
                     { sh "$3/script" <&4 2>&1; echo $? > "$3/code"; } | while IFS= read -r line; do
                       printf '\001HO %s %s\n' "$id" "$(printf '%s\n' "$line" | base64 -w0)"; done
                     printf '\001HX %s %s 0\n' "$id" "$(cat "$3/code")"; echo "$a $b" > "$3/size"; } & ;;
                i) [ -p "$3/i$id" ] || continue; printf %s "$a" | base64 -d 1<> "$3/i$id" ;;
              esac
            done
            """;

    @TempDir
    Path dir;
    private Path fifo;
    private Path log;
    private Process guest;

    @BeforeEach
    void guest() throws Exception {
        fifo = dir.resolve("console.in");
        log = dir.resolve("console.log");
        assertThat(new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start().waitFor()).isZero();
        Files.writeString(log, "[    0.5] kernel text before the guest init\n");
        guest = new ProcessBuilder("sh", "-c", GUEST, "guest", fifo.toString(), log.toString(), dir.toString())
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        guest.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    private GuestConsole console() {
        return GuestConsole.onFifo(fifo, log, guest::isAlive);
    }

    @Test
    @DisplayName("an exec's script goes in through the FIFO; only its answer is read back from the log")
    void exec() throws Exception {
        ExecResult r = console().exec(List.of("echo", "hello 'quoted' world"), Duration.ofSeconds(20));
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("hello 'quoted' world\n");
        ExecResult again = console().exec(List.of("sh", "-c", "echo second"), Duration.ofSeconds(20));
        assertThat(again.stdout()).as("the earlier answer is not read twice").isEqualTo("second\n");
    }

    @Test
    @DisplayName("a file's content crosses base64-encoded, with its owner and mode; terminate returns at once")
    void writeFileAndTerminate() throws Exception {
        byte[] content = "TOKEN=s3cr3t\n".repeat(2000).getBytes(StandardCharsets.UTF_8); // more than a pipe's buffer
        console().writeFile("/home/openclaw/.env", content, 0600, 1000, Duration.ofSeconds(20));
        assertThat(Files.readAllBytes(dir.resolve("written"))).isEqualTo(content);
        assertThat(Files.readString(dir.resolve("written.meta")).strip()).isEqualTo("1000 600 /home/openclaw/.env");
        console().terminate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(dir.resolve("terminated")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(dir.resolve("terminated")).exists();
    }

    @Test
    @DisplayName("a session: its script and size go in, what is typed follows as i requests, output streams back live")
    void session() throws Exception {
        java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
        java.io.PipedInputStream typed = new java.io.PipedInputStream(keys);
        java.io.ByteArrayOutputStream shown = new java.io.ByteArrayOutputStream();
        java.util.concurrent.CompletableFuture<Long> ended = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return console().session("read line; echo \"got $line\"; read more; exit 3", 40, 132, typed,
                        shown);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        keys.write("first\n".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!shown.toString(StandardCharsets.UTF_8).contains("got first") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(shown.toString(StandardCharsets.UTF_8)).as("shown before the session ends").isEqualTo(
                "got first\n");
        assertThat(ended).isNotDone();
        keys.write("second\n".getBytes(StandardCharsets.UTF_8));
        keys.close();
        assertThat(ended.get(20, TimeUnit.SECONDS)).isEqualTo(3L);
        assertThat(Files.readString(dir.resolve("size")).strip()).isEqualTo("40 132");
        ExecResult after = console().exec(List.of("echo", "console free again"), Duration.ofSeconds(20));
        assertThat(after.stdout()).isEqualTo("console free again\n");
    }

    @Test
    @DisplayName("a VM that is not running is refused at once; one that dies mid-request ends the wait")
    void deadGuest() throws Exception {
        guest.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> console().exec(List.of("true"), Duration.ofSeconds(20)))
                .isInstanceOf(SandboxException.class).hasMessageContaining("is the VM running?");
        boolean[] alive = {true};
        GuestConsole dying = GuestConsole.onFifo(fifo, log, () -> alive[0]);
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            alive[0] = false;
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> dying.exec(List.of("true"), Duration.ofSeconds(60)))
                .isInstanceOf(SandboxException.class).hasMessageContaining("console closed");
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }
}
