// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.EngineUnavailableException;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.firecracker.api.FirecrackerApiException;
import dev.hearth.sandbox.vm.VmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FirecrackerVmm, driving a stub firecracker whose API is a fake that checks firecracker-api.yaml")
class FirecrackerVmmTest {

    @TempDir
    Path dir;

    private VmFixture files;
    private StubFirecracker stub;
    private FakeFirecrackerHost host;
    private FirecrackerVmm vmm;

    @BeforeEach
    void setUp() throws Exception {
        files = new VmFixture(dir);
        stub = StubFirecracker.install(Files.createDirectory(dir.resolve("bin")));
        host = new FakeFirecrackerHost(stub);
        vmm = FirecrackerVmm.create(new FirecrackerSettings(stub.firecracker(), Optional.empty(),
                Duration.ofSeconds(20), Duration.ofSeconds(10)));
    }

    @AfterEach
    void tearDown() throws Exception {
        host.close();
        for (StubFirecracker.Call call : stub.calls()) {
            assertThat(ProcessHandle.of(call.pid()).map(ProcessHandle::isAlive)).as("stub %d", call.pid())
                    .isNotEqualTo(Optional.of(true));
        }
    }

    @Test
    @DisplayName("launch starts firecracker with its socket and id, configures everything in order, then boots")
    void launchSequence() throws Exception {
        VmConfig config = files.config("vm-one");
        VmFixture.Console console = new VmFixture.Console();
        try (FirecrackerVm vm = vmm.launch(config, console)) {
            StubFirecracker.Call call = stub.calls().getFirst();
            assertThat(call.pid()).isEqualTo(vm.pid());
            assertThat(call.args()).containsExactly("--api-sock",
                    config.runDir().toAbsolutePath().resolve("firecracker.sock").toString(), "--id", "vm-one");
            assertThat(operations()).containsExactly("PUT /logger", "PUT /metrics", "PUT /machine-config",
                    "PUT /boot-source", "PUT /drives/{drive_id}", "PUT /drives/{drive_id}",
                    "PUT /network-interfaces/{iface_id}", "GET /machine-config", "PUT /actions");
            assertThat(body("PUT /machine-config")).isEqualTo(
                    "{\"vcpu_count\":2,\"mem_size_mib\":256,\"smt\":false}");
            assertThat(body("PUT /boot-source")).isEqualTo("{\"kernel_image_path\":\"" + files.kernel
                    + "\",\"initrd_path\":\"" + files.initrd + "\",\"boot_args\":\"console=ttyS0 reboot=k panic=1 "
                    + "pci=off\"}");
            assertThat(host.exchanges()).filteredOn(e -> e.operation().equals("PUT /drives/{drive_id}"))
                    .extracting(e -> e.path() + " " + e.body())
                    .containsExactly("/drives/rootfs {\"drive_id\":\"rootfs\",\"path_on_host\":\"" + files.rootfs
                                    + "\",\"is_root_device\":true,\"is_read_only\":false}",
                            "/drives/config {\"drive_id\":\"config\",\"path_on_host\":\"" + files.data
                                    + "\",\"is_root_device\":false,\"is_read_only\":true}");
            assertThat(body("PUT /network-interfaces/{iface_id}")).isEqualTo(
                    "{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap-vm-one\",\"guest_mac\":\"06:00:0a:00:00:02\"}");
            assertThat(body("PUT /logger")).contains("\"log_path\":\"" + config.runDir().resolve("firecracker.log"));
            assertThat(body("PUT /actions")).isEqualTo("{\"action_type\":\"InstanceStart\"}");
            assertThat(Files.exists(config.runDir().resolve("firecracker.log"))).isTrue();
            assertThat(Files.exists(config.runDir().resolve("firecracker.metrics"))).isTrue();
            assertThat(vm.describe().state()).isEqualTo("Running");
            poll(() -> console.text().contains(StubFirecracker.CONSOLE_LINE));
            assertThat(console.lastStream()).isEqualTo(LogSink.Stream.CONSOLE);
            assertThat(console.text()).doesNotContain(StubFirecracker.STDERR_LINE);
        }
        assertThat(config.runDir()).doesNotExist();
        assertThat(host.violations()).isEmpty();
    }

    @Test
    @DisplayName("a 400 at boot-source kills the process, removes its files and names the step and the fault")
    void faultAtBootSource() throws Exception {
        host.fail("PUT /boot-source", "The kernel file cannot be opened: No such file or directory (os error 2)");
        VmConfig config = files.config("vm-fault");
        assertThatThrownBy(() -> vmm.launch(config, LogSink.discard()))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("firecracker VM vm-fault: set the boot source failed")
                .hasMessageContaining("PUT /boot-source answered 400")
                .hasMessageContaining("The kernel file cannot be opened")
                .hasMessageContaining(StubFirecracker.STDERR_LINE)
                .cause().isInstanceOfSatisfying(FirecrackerApiException.class, e -> {
                    assertThat(e.method()).isEqualTo("PUT");
                    assertThat(e.path()).isEqualTo("/boot-source");
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.faultMessage()).startsWith("The kernel file cannot be opened");
                });
        long pid = stub.calls().getFirst().pid();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertThat(config.runDir()).doesNotExist();
        assertThat(operations()).doesNotContain("PUT /actions", "PUT /drives/{drive_id}");
        assertThat(host.violations()).isEmpty();
    }

    @Test
    @DisplayName("a stale socket left by a crashed run is replaced, and close after a crash still removes every file")
    void staleSocketAndCrash() throws Exception {
        VmConfig config = files.config("vm-crash");
        Files.createDirectories(config.runDir());
        Files.writeString(config.runDir().resolve("firecracker.sock"), "stale");
        FirecrackerVm vm = vmm.launch(config, LogSink.discard());
        ProcessHandle.of(vm.pid()).orElseThrow().destroyForcibly();
        assertThat(vm.awaitExit(Duration.ofSeconds(20))).isPresent();
        vm.close();
        vm.close(); // idempotent
        try (var left = Files.list(config.runDir())) {
            assertThat(left).isEmpty(); // the folder was the test's, so it stays; nothing of the VM's is in it
        }
    }

    @Test
    @DisplayName("a firecracker that exits at once is reported with its stderr, and nothing is left")
    void exitsBeforeSocket() throws Exception {
        Path broken = dir.resolve("broken/firecracker");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, "#!/bin/sh\necho 'Error: KVM not available' >&2\nexit 1\n");
        broken.toFile().setExecutable(true);
        FirecrackerVmm failing = FirecrackerVmm.create(new FirecrackerSettings(broken, Optional.empty(),
                Duration.ofSeconds(20), Duration.ofSeconds(10)));
        VmConfig config = files.config("vm-broken");
        assertThatThrownBy(() -> failing.launch(config, LogSink.discard()))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("wait for the API socket failed: firecracker exited before opening")
                .hasMessageContaining("Error: KVM not available");
        assertThat(config.runDir()).doesNotExist();
    }

    @Test
    @DisplayName("a compressed kernel is refused before anything starts, naming the field and the form")
    void bzImageRefused() throws Exception {
        Path bzImage = Files.write(dir.resolve("bzImage"), new byte[] {'M', 'Z', 0, 0, 0, 0});
        VmConfig base = files.config("vm-bz");
        VmConfig config = new VmConfig(base.id(), 1, 128, bzImage, Optional.empty(), "", base.drives(),
                Optional.empty(), base.runDir());
        assertThatThrownBy(() -> vmm.launch(config, LogSink.discard()))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("kernel"))
                .hasMessageContaining("uncompressed vmlinux");
        assertThat(stub.calls()).isEmpty();
        assertThat(config.runDir()).doesNotExist();
    }

    @Test
    @DisplayName("a missing firecracker executable is one clear line naming how to configure it; nothing is made")
    void missingBinary() {
        FirecrackerVmm absent = FirecrackerVmm.create(new FirecrackerSettings(dir.resolve("nowhere/firecracker"),
                Optional.empty(), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        VmConfig config = files.config("vm-absent");
        assertThatThrownBy(() -> absent.launch(config, LogSink.discard()))
                .isInstanceOf(EngineUnavailableException.class)
                .hasMessageContaining("nowhere/firecracker' not found")
                .hasMessageContaining(FirecrackerSettings.BINARY_VARIABLE);
        assertThat(config.runDir()).doesNotExist();
    }

    private static String fd(long pid, int fd) throws Exception {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd))).toString();
    }

    private static int openFlags(long pid, int fd) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "fdinfo", Integer.toString(fd)))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring(6).strip(), 8);
            }
        }
        throw new AssertionError("no flags in fdinfo " + fd + " of " + pid);
    }

    @Test
    @DisplayName("launchDetached: the same API sequence; stdin the FIFO opened read-write, stdout the log, its own session")
    void detachedWiring() throws Exception {
        VmConfig config = files.config("inst-one");
        Path folder = Files.createDirectories(config.runDir());
        FirecrackerFiles fc = FirecrackerFiles.in(folder);

        long pid = vmm.launchDetached(config, fc);

        assertThat(stub.calls()).singleElement().satisfies(call -> {
            assertThat(call.pid()).as("setsid and sh exec firecracker: the pid is firecracker's").isEqualTo(pid);
            assertThat(call.args()).containsExactly("--api-sock", fc.apiSocket().toString(), "--id", "inst-one");
        });
        assertThat(Files.readString(fc.pidFile())).isEqualTo(Long.toString(pid));
        assertThat(host.exchanges()).extracting(FakeFirecracker.Exchange::operation).containsExactly("GET /",
                "PUT /logger",
                "PUT /metrics", "PUT /machine-config", "PUT /boot-source", "PUT /drives/{drive_id}",
                "PUT /drives/{drive_id}", "PUT /network-interfaces/{iface_id}", "GET /machine-config",
                "PUT /actions");
        assertThat(host.violations()).isEmpty();
        assertThat(fd(pid, 0)).isEqualTo(fc.consoleInput().toString());
        assertThat(openFlags(pid, 0) & 3).as("O_RDWR: it never reads an end of input").isEqualTo(2);
        assertThat(fd(pid, 1)).isEqualTo(fc.consoleLog().toString());
        assertThat(openFlags(pid, 1) & 02000).as("O_APPEND").isNotZero();
        assertThat(fd(pid, 2)).isEqualTo(fc.stderr().toString());
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertThat(fields[3]).as("session id").isEqualTo(Long.toString(pid));
        poll(() -> read(fc.consoleLog()).contains(StubFirecracker.CONSOLE_LINE));
        poll(() -> read(fc.stderr()).contains(StubFirecracker.STDERR_LINE));
        assertThat(read(fc.consoleLog())).doesNotContain(StubFirecracker.STDERR_LINE);
        assertThat(Files.getPosixFilePermissions(fc.consoleInput())).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

        ProcessHandle first = ProcessHandle.of(pid).orElseThrow();
        first.destroyForcibly();
        first.onExit().get(10, TimeUnit.SECONDS);
        Files.writeString(fc.consoleLog(), "earlier boot\n");
        long again = vmm.launchDetached(config, fc);
        assertThat(again).isNotEqualTo(pid);
        assertThat(fd(again, 0)).as("the FIFO made once, used again").isEqualTo(fc.consoleInput().toString());
        poll(() -> read(fc.consoleLog()).startsWith("earlier boot\n")
                && read(fc.consoleLog()).contains(StubFirecracker.CONSOLE_LINE));
        assertThat(host.violations()).isEmpty();
        ProcessHandle.of(again).ifPresent(ProcessHandle::destroyForcibly);
        poll(() -> ProcessHandle.of(again).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    @DisplayName("launchDetached: a fault mid-configuration kills firecracker, removes its socket, log, metrics, not the folder")
    void detachedFault() throws Exception {
        host.fail("PUT /network-interfaces/{iface_id}", "Could not create the network device: Open tap device failed");
        VmConfig config = files.config("inst-fault");
        Path folder = Files.createDirectories(config.runDir());
        FirecrackerFiles fc = FirecrackerFiles.in(folder);

        assertThatThrownBy(() -> vmm.launchDetached(config, fc)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("firecracker VM inst-fault: attach network interface eth0 on TAP tap-inst-fault "
                        + "failed")
                .hasMessageContaining("Open tap device failed");

        long pid = stub.calls().getFirst().pid();
        poll(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        assertThat(folder).isDirectory();
        assertThat(fc.apiSocket()).doesNotExist();
        assertThat(fc.pidFile()).doesNotExist();
        assertThat(folder.resolve("firecracker.log")).doesNotExist();
        assertThat(List.of(host.exchanges().getLast().operation())).containsExactly(
                "PUT /network-interfaces/{iface_id}");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private List<String> operations() {
        return host.exchanges().stream().map(FakeFirecracker.Exchange::operation).filter(op -> !op.equals("GET /"))
                .toList();
    }

    private String body(String operation) {
        return host.exchanges().stream().filter(e -> e.operation().equals(operation)).findFirst().orElseThrow()
                .body().toString();
    }

    static void poll(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("condition still false at the deadline").isBefore(deadline);
            Thread.sleep(10);
        }
    }
}
