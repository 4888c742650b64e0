// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.instance.InstanceSpec;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The behaviour every long-lived sandbox driver ({@link GuestDriver}) must show, run against each by a subclass that
 * supplies the driver, a handle for a new guest and a workload for its test image; {@link SandboxContract} is the
 * same for jobs' drivers. A guest is acted on only through its {@link GuestHandle}, as a process other than the one
 * that made it would; every guest a test makes is removed after it, and nothing may be left
 * ({@link GuestDriver#leftovers}). Needs only a POSIX shell and busybox-like tools in the guest.
 */
public abstract class GuestDriverContract {

    /** What the workload prints first, to find in its logs. */
    protected static final String GREETING = "hearth-guest-kit-up";
    /** The workload's user, owner of the files written into the guest. */
    protected static final int UID = 65534;
    /** The workload: two lines, the greeting last, then waits until SIGTERM, which it answers by exiting 0. */
    private static final String SCRIPT = "trap 'exit 0' TERM; echo first-line; echo " + GREETING
            + "; while true; do sleep 1; done";

    private final List<GuestHandle> made = new ArrayList<>();

    /** The driver under test. */
    protected abstract GuestDriver driver() throws Exception;

    /** A handle for a new guest {@code id} of this driver (its name on the engine, an address where it needs one). */
    protected abstract GuestHandle handle(String id) throws Exception;

    /** The image (or guest root's name) the workload runs in, as {@link GuestWorkload#image()} names it. */
    protected abstract String image();

    /**
     * What create was asked for guest {@code id}: no flags by default; a microVM driver names its test guest's root
     * ({@code --base-rootfs}) here.
     */
    protected InstanceSpec spec(String id) throws Exception {
        return InstanceSpec.builder().id(id).telegramToken("1:kit").runtime(driver().name()).build();
    }

    /** How long a guest may take to run after start (a microVM boots; an emulated one slowly). */
    protected Duration upWithin() {
        return Duration.ofSeconds(30);
    }

    /**
     * Behaviours of this kit that do not apply to the driver under test: test method name to the reason, shown
     * as the skip message. None by default; a driver must justify each one.
     */
    protected Map<String, String> notApplicable() {
        return Map.of();
    }

    @BeforeEach
    void skipWhatDoesNotApply(TestInfo test) {
        NotApplicable.skipIfListed(test, notApplicable());
    }

    @AfterEach
    void removeWhatWasMade() throws Exception {
        for (GuestHandle g : made) {
            driver().remove(g);
        }
        for (GuestHandle g : made) {
            assertThat(driver().leftovers(g.id())).as("what is left of guest %s after remove", g.id()).isEmpty();
        }
        made.clear();
    }

    /** The kit's workload in this driver's image, as user {@value #UID}. */
    protected GuestWorkload workload() {
        return new GuestWorkload(image(), List.of("sh", "-c", SCRIPT), UID + ":" + UID, UID,
                Map.of("HOME", "/", "KIT", "plain"), 8080, "/health");
    }

    /** A new guest, prepared and created (not started); removed after the test. */
    protected GuestHandle created() throws Exception {
        GuestHandle g = handle(newId());
        made.add(g);
        driver().prepare(spec(g.id()), g, workload(), BuildProgress.silent());
        driver().create(g, workload());
        return g;
    }

    private static String newId() {
        byte[] b = new byte[4];
        ThreadLocalRandom.current().nextBytes(b);
        return "kit-" + HexFormat.of().formatHex(b);
    }

    /** A new guest, started and running. */
    protected GuestHandle running() throws Exception {
        GuestHandle g = created();
        driver().start(g);
        awaitRunning(g, true);
        return g;
    }

    /** Waits until the guest's status says it runs (or, when not {@code running}, that it does not). */
    protected GuestStatus awaitRunning(GuestHandle g, boolean running) throws Exception {
        long deadline = System.nanoTime() + upWithin().toNanos();
        while (true) {
            Optional<GuestStatus> s = driver().status(g);
            if (s.isPresent() && s.get().running() == running) {
                return s.get();
            }
            assertThat(System.nanoTime()).as("guest %s %s within %s (status %s)", g.id(),
                    running ? "running" : "stopped", upWithin(), s).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Runs {@code script} in the running guest, waiting for it to be up. */
    protected ExecResult exec(GuestHandle g, String script) throws Exception {
        return driver().exec(g, List.of("sh", "-c", script), upWithin().plusSeconds(30));
    }

    @Test
    @DisplayName("create makes a guest that does not run; start runs it, a second start leaves it running; stop "
            + "stops it with a last exit; it starts again; kill ends it; remove leaves nothing")
    void lifecycle() throws Exception {
        GuestHandle g = created();
        assertThat(driver().status(g)).as("a created guest").hasValueSatisfying(s -> assertThat(s.running())
                .isFalse());
        driver().start(g);
        GuestStatus up = awaitRunning(g, true);
        assertThat(up.startedAt()).isPresent();
        driver().start(g);
        assertThat(driver().status(g).orElseThrow().running()).as("running after a second start").isTrue();

        driver().stop(g, Duration.ofSeconds(20));
        GuestStatus stopped = awaitRunning(g, false);
        assertThat(stopped.lastExit()).as("why it stopped").isPresent();
        assertThat(stopped.finishedAt()).isPresent();

        driver().start(g);
        awaitRunning(g, true);
        assertThat(exec(g, "echo again").stdout()).isEqualTo("again\n");
        driver().kill(g);
        assertThat(awaitRunning(g, false).lastExit()).as("why it ended").isPresent();

        driver().remove(g);
        assertThat(driver().status(g)).as("a removed guest").isEmpty();
        assertThat(driver().leftovers(g.id())).isEmpty();
    }

    @Test
    @DisplayName("exec runs as the workload's user with its environment, gives stdout, stderr and the exit code")
    void execAsTheWorkloadsUser() throws Exception {
        GuestHandle g = running();
        ExecResult r = exec(g, "id -u; echo $KIT; echo oops >&2; exit 3");
        assertThat(r.stdout()).isEqualTo(UID + "\nplain\n");
        assertThat(r.stderr()).contains("oops");
        assertThat(r.exitCode()).isEqualTo(3);
    }

    @Test
    @DisplayName("writeFile writes through the runtime's channel with the mode and owner asked")
    void writeFileModeAndOwner() throws Exception {
        GuestHandle g = running();
        byte[] content = "secret=1\n".getBytes(StandardCharsets.UTF_8);
        driver().writeFile(g, "/etc", "hearth-kit.env", content, 0640, UID);
        ExecResult r = exec(g, "stat -c '%a %u' /etc/hearth-kit.env; cat /etc/hearth-kit.env");
        assertThat(r.stdout()).isEqualTo("640 " + UID + "\nsecret=1\n");
    }

    @Test
    @DisplayName("logs give the workload's output, the last lines when asked, and end by themselves when not following")
    void logs() throws Exception {
        GuestHandle g = running();
        exec(g, "true"); // up: the greeting is printed before the guest answers
        long end = System.nanoTime() + upWithin().toNanos();
        String out = logs(g, -1);
        while (!out.contains(GREETING) && System.nanoTime() < end) {
            Thread.sleep(200);
            out = logs(g, -1);
        }
        assertThat(out).contains("first-line\n").contains(GREETING + "\n");
        assertThat(logs(g, 1)).as("the last line").isEqualTo(GREETING + "\n");
    }

    private String logs(GuestHandle g, int tail) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Closeable stream = driver().logs(g, tail, false, (s, bytes, off, len) -> {
            if (s == LogSink.Stream.STDOUT) {
                out.write(bytes, off, len);
            }
        })) {
            driver().awaitLogs(stream);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a guest that was never made: no status, nothing left; remove, stop and kill are no-ops or plain "
            + "errors naming it; exec is refused naming it")
    void missingGuest() throws Exception {
        GuestHandle g = handle(newId());
        assertThat(driver().status(g)).isEmpty();
        driver().remove(g);
        noOpOrPlainError(g, () -> driver().stop(g, Duration.ofSeconds(1)));
        noOpOrPlainError(g, () -> driver().kill(g));
        assertThatThrownBy(() -> driver().exec(g, List.of("true"), Duration.ofSeconds(5)))
                .isInstanceOf(SandboxException.class).hasMessageContaining(g.id());
        assertThat(driver().paused(g)).isFalse();
        assertThat(driver().leftovers(g.id())).isEmpty();
    }

    private interface Operation {
        void run() throws Exception;
    }

    private static void noOpOrPlainError(GuestHandle g, Operation op) throws Exception {
        try {
            op.run();
        } catch (SandboxException e) {
            assertThat(e.getMessage()).as("the error names the guest").contains(g.id());
        }
    }

    @Test
    @DisplayName("pause saves a running guest and resume goes on where it was, or, where the runtime cannot pause, "
            + "pause is refused naming the runtime and the guest runs on")
    void pauseOrRefuse() throws Exception {
        GuestHandle g = running();
        if (!driver().canPause()) {
            assertThatThrownBy(() -> driver().pause(g, Duration.ofSeconds(30))).isInstanceOf(SandboxException.class)
                    .hasMessageContaining(driver().name()).hasMessageContaining(g.id());
            assertThat(driver().status(g).orElseThrow().running()).isTrue();
            assertThat(driver().paused(g)).isFalse();
            return;
        }
        exec(g, "echo kept > /tmp/hearth-kit-pause");
        driver().pause(g, upWithin().multipliedBy(4));
        assertThat(driver().paused(g)).isTrue();
        GuestStatus saved = driver().status(g).orElseThrow();
        assertThat(saved.running()).isFalse();
        assertThat(saved.lastExit()).hasValueSatisfying(e -> assertThat(e).startsWith("paused"));
        driver().resume(g);
        awaitRunning(g, true);
        assertThat(driver().paused(g)).isFalse();
        assertThat(exec(g, "cat /tmp/hearth-kit-pause").stdout()).isEqualTo("kept\n");
    }
}
