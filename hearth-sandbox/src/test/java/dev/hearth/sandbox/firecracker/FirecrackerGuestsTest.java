// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.GuestStatus;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Firecracker runtime's view of a running VM: how it finds firecracker again, talks to the guest through the
 * console FIFO and log, reads status and logs, and stops it. Firecracker cannot run here, so the VM is a stand-in
 * process wired as {@code FirecrackerVmm.launchDetached} wires firecracker (its launch is tested against the API
 * contract in hearth-sandbox): its command line names the API socket, it holds the FIFO as its stdin and appends to
 * the console log, and it answers as hearth-init does.
 */
@DisplayName("FirecrackerGuests: a detached VM found by its files, its guest reached through the console FIFO")
class FirecrackerGuestsTest {

    /** hearth-init reduced: ready frame, the service's output, x/w/t requests; t ends the service and the VM. */
    private static final String GUEST = """
            exec 0<>"$1" >>"$2"
            printf '\\001HR 0 up\\n\\001HO 0 %s\\n' "$(printf 'gateway listening\\n' | base64 -w0)"
            while read -r kind id a b c d; do
              case "$kind" in
                x) out=$(printf %s "$a" | base64 -d | sh 2>/dev/null | base64 -w0)
                   printf '\\001HO %s %s\\n\\001HX %s 0\\n' "$id" "$out" "$id" ;;
                w) printf %s "$d" | base64 -d > "$3/written"; printf '\\001HX %s 0\\n' "$id" ;;
                t) [ "$4" = deaf ] || { printf '\\001HX 0 143\\n'; exit 0; } ;;
              esac
            done
            """;

    @TempDir
    Path dir;
    private Process guest;

    @AfterEach
    void stopGuest() throws Exception {
        if (guest != null) {
            guest.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private FirecrackerGuests guests(String binary) {
        return new FirecrackerGuests(FirecrackerVmm.create(new FirecrackerSettings(Path.of(binary), Optional.empty(),
                Duration.ofSeconds(5), Duration.ofSeconds(5))),
                HostNetwork.create(NetworkConfig.defaults().withStateDir(dir.resolve("net"))),
                new ContentCache(dir.resolve("images")), dir.resolve("vm"));
    }

    private static GuestHandle guest(String id) {
        return new GuestHandle(id, "hearth-" + id, Optional.of("172.16.0.2"), 2, 2048, "4G", List.of());
    }

    /** Starts the stand-in VM for {@code id} as launchDetached would leave firecracker. */
    private FirecrackerFiles boot(String id, String mode) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("vm").resolve(id));
        FirecrackerFiles files = FirecrackerFiles.in(folder);
        assertThat(new ProcessBuilder("mkfifo", "-m", "600", files.consoleInput().toString()).start().waitFor())
                .isZero();
        Files.writeString(files.consoleLog(), "earlier boot\n");
        Files.writeString(folder.resolve("boot.offset"), Long.toString(Files.size(files.consoleLog())));
        guest = new ProcessBuilder("sh", "-c", GUEST, "firecracker", files.consoleInput().toString(),
                files.consoleLog().toString(), folder.toString(), mode, "--api-sock", files.apiSocket().toString())
                .start();
        Files.writeString(files.pidFile(), Long.toString(guest.pid()));
        return files;
    }

    @Test
    @DisplayName("refused before anything is made where firecracker is missing, or given a compressed --base-kernel")
    void unavailableRefused() throws Exception {
        InstanceSpec spec = InstanceSpec.builder().id("a").telegramToken("1:a").runtime("firecracker").build();
        assertThatThrownBy(() -> guests("no-such-firecracker").check(spec)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--runtime 'firecracker'").hasMessageContaining("no-such-firecracker")
                .hasMessageContaining("HEARTH_FIRECRACKER").hasMessageContaining("--runtime qemu");
        InstanceSpec kernel = InstanceSpec.builder().id("a").telegramToken("1:a").runtime("firecracker")
                .baseKernel(Files.writeString(dir.resolve("bzImage"), "MZ compressed").toString()).build();
        assertThatThrownBy(() -> guests("no-such-firecracker").check(kernel))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--base-kernel")
                .hasMessageContaining("uncompressed vmlinux");
        assertThat(dir.resolve("vm")).doesNotExist();
    }

    @Test
    @DisplayName("a running VM: found by pid file and API socket, exec and files through the FIFO, logs, a polite stop")
    void runningGuest() throws Exception {
        FirecrackerGuests g = guests("firecracker");
        GuestHandle s = guest("fc1");
        FirecrackerFiles files = boot("fc1", "polite");

        assertThat(g.pid(s)).contains(guest.pid());
        assertThat(g.status(s).orElseThrow().running()).isTrue();
        ExecResult r = g.exec(s, List.of("sh", "-c", "echo from the guest"), Duration.ofSeconds(20));
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("from the guest\n");
        g.writeFile(s, "/home/openclaw/.openclaw", ".env", "TOKEN=x\n".getBytes(StandardCharsets.UTF_8), 0600, 1000);
        assertThat(Files.readString(dir.resolve("vm/fc1/written"))).isEqualTo("TOKEN=x\n");
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        g.logs(s, -1, false, (stream, bytes, off, len) -> logs.write(bytes, off, len)).close();
        assertThat(logs.toString(StandardCharsets.UTF_8)).isEqualTo("gateway listening\n");
        assertThat(g.leftovers("fc1")).contains("firecracker pid " + guest.pid());

        long started = System.nanoTime();
        g.stop(s, Duration.ofSeconds(30));
        assertThat(System.nanoTime() - started).as("ended by the guest, not the grace").isLessThan(
                TimeUnit.SECONDS.toNanos(20));
        // stop saw the process end; this Process object learns it only once its own reaper has run
        assertThat(guest.waitFor(10, TimeUnit.SECONDS)).as("the VM process ended").isTrue();
        assertThat(g.pid(s)).isEmpty();
        GuestStatus stopped = g.status(s).orElseThrow();
        assertThat(stopped.running()).isFalse();
        assertThat(stopped.lastExit()).contains("exit 143");
        assertThatThrownBy(() -> g.exec(s, List.of("true"), Duration.ofSeconds(5)))
                .hasMessageContaining("not running");

        g.remove(s);
        assertThat(files.consoleLog().getParent()).doesNotExist();
        assertThat(g.leftovers("fc1")).isEmpty();
    }

    @Test
    @DisplayName("a guest that ignores the stop is killed after the grace; a pid file naming another process is no VM")
    void deafGuestAndForeignPid() throws Exception {
        FirecrackerGuests g = guests("firecracker");
        GuestHandle s = guest("fc2");
        FirecrackerFiles files = boot("fc2", "deaf");
        g.stop(s, Duration.ofSeconds(1));
        assertThat(guest.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(g.status(s).orElseThrow().lastExit()).contains("the VM ended without the guest reporting an exit "
                + "(killed or crashed)");
        Files.writeString(files.pidFile(), Long.toString(ProcessHandle.current().pid()));
        assertThat(g.pid(s)).as("this JVM is alive but is not fc2's firecracker").isEmpty();
    }
}
