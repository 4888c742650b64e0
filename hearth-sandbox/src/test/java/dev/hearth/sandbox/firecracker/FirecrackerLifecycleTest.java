// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.firecracker.api.FirecrackerApi;
import dev.hearth.sandbox.firecracker.api.FirecrackerRequest;
import dev.hearth.sandbox.firecracker.api.InstanceAction;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A Firecracker VM's whole life through the contract-checking fake: every request the driver can send")
class FirecrackerLifecycleTest {

    @TempDir
    Path dir;

    private VmFixture files;
    private StubFirecracker stub;
    private FakeFirecrackerHost host;

    @BeforeEach
    void setUp() throws Exception {
        files = new VmFixture(dir);
        stub = StubFirecracker.install(Files.createDirectory(dir.resolve("bin")));
        host = new FakeFirecrackerHost(stub);
    }

    @AfterEach
    void tearDown() throws Exception {
        host.close();
    }

    @Test
    @DisplayName("launch, pause, snapshot, resume, flush, describe, power down, restore: all valid, all covered")
    void everyRequestCovered() throws Exception {
        FirecrackerVmm vmm = FirecrackerVmm.create(new FirecrackerSettings(stub.firecracker(), Optional.empty(),
                Duration.ofSeconds(20), Duration.ofSeconds(10)));
        Path state = dir.resolve("snap/vm.state");
        Path memory = dir.resolve("snap/vm.mem");
        Files.createDirectories(state.getParent());
        VmSnapshot snapshot;
        try (FirecrackerVm vm = vmm.launch(files.config("vm-life"), LogSink.discard())) {
            vm.pause();
            assertThat(vm.describe().state()).isEqualTo("Paused");
            snapshot = vmm.snapshot(vm, state, memory);
            vm.resume();
            assertThat(vm.describe().state()).isEqualTo("Running");
            vm.flushMetrics();
            vm.powerDown(); // the fake ends the stub, as a guest that powers off ends firecracker
            assertThat(vm.awaitExit(Duration.ofSeconds(20))).isPresent();
        }
        assertThat(snapshot.state()).hasContent("fake vm state");
        assertThat(snapshot.memory()).hasContent("fake guest memory");

        VmConfig second = files.config("vm-restored");
        try (FirecrackerVm restored = vmm.restore(second, snapshot, LogSink.discard())) {
            assertThat(restored.describe().state()).isEqualTo("Running");
        }
        JsonNode load = host.exchanges().stream().filter(e -> e.operation().equals("PUT /snapshot/load"))
                .findFirst().orElseThrow().body();
        assertThat(load.toString()).isEqualTo("{\"snapshot_path\":\"" + state + "\",\"mem_backend\":{"
                + "\"backend_type\":\"File\",\"backend_path\":\"" + memory + "\"},\"resume_vm\":true,"
                + "\"network_overrides\":[{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap-vm-restored\"}]}");
        assertThat(second.runDir()).doesNotExist();

        assertThat(host.violations()).as("departures from firecracker-api.yaml").isEmpty();
        Set<String> answeredOk = host.exchanges().stream().filter(e -> e.status() / 100 == 2)
                .map(FakeFirecracker.Exchange::operation).collect(Collectors.toSet());
        assertThat(answeredOk).as("operations sent and accepted").containsAll(FirecrackerApi.OPERATIONS);
        assertThat(host.exchanges().stream().filter(e -> e.operation().equals("PUT /actions"))
                .map(e -> e.body().path("action_type").asText()))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(InstanceAction.Type.values())
                        .map(InstanceAction.Type::wireName).toList());
    }

    @Test
    @DisplayName("the list of operations names every request type, and each is an operation of the document")
    void operationsListComplete() {
        assertThat(FirecrackerContract.get().operations()).containsAll(FirecrackerApi.OPERATIONS);
        List<String> typed = Arrays.stream(FirecrackerRequest.class.getPermittedSubclasses())
                .map(Class::getSimpleName).toList();
        assertThat(typed).hasSize(12); // one per operation: adding a request type means listing and testing it
        assertThat(FirecrackerApi.OPERATIONS).hasSize(typed.size()).doesNotHaveDuplicates();
    }

    @Test
    @DisplayName("through the jailer: its argv, files linked into the chroot, API paths inside it, all removed after")
    void jailed() throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid())
                .as("the jailer test hands files to uid 65534, which needs root").isZero();
        Path chrootBase = Files.createDirectory(dir.resolve("jail"));
        FirecrackerSettings.Jailer jailer = new FirecrackerSettings.Jailer(stub.jailer(), 65534, 65534, chrootBase);
        FirecrackerVmm vmm = FirecrackerVmm.create(new FirecrackerSettings(stub.firecracker(), Optional.of(jailer),
                Duration.ofSeconds(20), Duration.ofSeconds(10)));
        VmConfig config = files.config("vm-jailed");
        Path root = chrootBase.resolve("firecracker/vm-jailed/root");
        Path state = dir.resolve("jailed.state");
        Path memory = dir.resolve("jailed.mem");
        try (FirecrackerVm vm = vmm.launch(config, LogSink.discard())) {
            StubFirecracker.Call call = stub.calls().getFirst();
            assertThat(call.program().getFileName().toString()).isEqualTo("jailer");
            assertThat(call.args()).containsExactly("--id", "vm-jailed", "--exec-file", stub.firecracker().toString(),
                    "--uid", "65534", "--gid", "65534", "--chroot-base-dir", chrootBase.toString(), "--",
                    "--api-sock", "/firecracker.sock");
            assertThat(body("PUT /boot-source")).isEqualTo("{\"kernel_image_path\":\"/vmlinux\","
                    + "\"initrd_path\":\"/initrd\",\"boot_args\":\"console=ttyS0 reboot=k panic=1 pci=off\"}");
            assertThat(host.exchanges()).filteredOn(e -> e.operation().equals("PUT /drives/{drive_id}"))
                    .extracting(e -> e.body().path("path_on_host").asText())
                    .containsExactly("/rootfs.img", "/config.img");
            assertThat(body("PUT /logger")).contains("\"log_path\":\"/firecracker.log\"");
            assertThat(body("PUT /metrics")).contains("\"metrics_path\":\"/firecracker.metrics\"");
            assertThat(Files.isSameFile(root.resolve("rootfs.img"), files.rootfs)).as("rw drive hard-linked").isTrue();
            assertThat(Files.getAttribute(root.resolve("rootfs.img"), "unix:uid")).isEqualTo(65534);
            assertThat(root.resolve("vmlinux")).exists();
            assertThat(Files.getAttribute(root.resolve("firecracker.log"), "unix:uid")).isEqualTo(65534);
            vm.pause();
            vmm.snapshot(vm, state, memory);
            assertThat(body("PUT /snapshot/create")).isEqualTo("{\"snapshot_path\":\"/snapshot.state\","
                    + "\"mem_file_path\":\"/snapshot.mem\",\"snapshot_type\":\"Full\"}");
        }
        assertThat(state).hasContent("fake vm state");
        assertThat(memory).hasContent("fake guest memory");
        assertThat(chrootBase.resolve("firecracker/vm-jailed")).doesNotExist();
        assertThat(files.rootfs).exists().hasContent("rootfs");
        assertThat(host.violations()).isEmpty();
    }

    private String body(String operation) {
        return host.exchanges().stream().filter(e -> e.operation().equals(operation)).findFirst().orElseThrow()
                .body().toString();
    }
}
