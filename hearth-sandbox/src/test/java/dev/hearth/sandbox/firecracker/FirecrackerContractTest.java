// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.firecracker.api.BootSource;
import dev.hearth.sandbox.firecracker.api.Drive;
import dev.hearth.sandbox.firecracker.api.FirecrackerRequest;
import dev.hearth.sandbox.firecracker.api.InstanceAction;
import dev.hearth.sandbox.firecracker.api.Logger;
import dev.hearth.sandbox.firecracker.api.MachineConfig;
import dev.hearth.sandbox.firecracker.api.Metrics;
import dev.hearth.sandbox.firecracker.api.NetworkInterface;
import dev.hearth.sandbox.firecracker.api.SnapshotCreate;
import dev.hearth.sandbox.firecracker.api.SnapshotLoad;
import dev.hearth.sandbox.firecracker.api.VmState;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("The contract check itself: firecracker-api.yaml accepts Hearth's requests and refuses wrong ones")
class FirecrackerContractTest {

    private static final ObjectMapper JSON = Json.mapper();
    private final FirecrackerContract contract = FirecrackerContract.get();

    static Stream<FirecrackerRequest> requests() {
        return Stream.of(
                new MachineConfig(2, 256, false),
                new BootSource("/vmlinux", null, "console=ttyS0"),
                new BootSource("/vmlinux", "/initrd", "console=ttyS0"),
                new Drive("rootfs", "/rootfs.img", true, false),
                new NetworkInterface("eth0", "tap0", "06:00:0a:00:00:02"),
                new Logger("/firecracker.log", "Info", true, false),
                new Metrics("/firecracker.metrics"),
                new InstanceAction(InstanceAction.Type.INSTANCE_START),
                new InstanceAction(InstanceAction.Type.SEND_CTRL_ALT_DEL),
                new InstanceAction(InstanceAction.Type.FLUSH_METRICS),
                new VmState(VmState.State.PAUSED),
                new VmState(VmState.State.RESUMED),
                SnapshotCreate.full("/s.state", "/s.mem"),
                new SnapshotLoad("/s.state", SnapshotLoad.MemoryBackend.file("/s.mem"), true, List.of()),
                new SnapshotLoad("/s.state", SnapshotLoad.MemoryBackend.file("/s.mem"), false,
                        List.of(new SnapshotLoad.NetworkOverride("eth0", "tap1"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    @DisplayName("every typed request serialises to a body its operation's definition accepts")
    void typedRequestsConform(FirecrackerRequest request) {
        String operation = request.operation();
        assertThat(contract.operations()).contains(operation);
        assertThat(contract.match(request.method(), request.path())).contains(operation);
        FirecrackerContract.BodyParameter body = contract.body(operation).orElseThrow();
        assertThat(contract.violations(body.definition(), JSON.valueToTree(request))).isEmpty();
    }

    static Stream<Arguments> wrongBodies() {
        return Stream.of(
                Arguments.of("MachineConfiguration", "{\"vcpu_count\":2,\"mem_size_mib\":256,\"turbo\":true}",
                        "turbo"),
                Arguments.of("MachineConfiguration", "{\"mem_size_mib\":256}", "vcpu_count"),
                Arguments.of("MachineConfiguration", "{\"vcpu_count\":\"2\",\"mem_size_mib\":256}", "vcpu_count"),
                Arguments.of("MachineConfiguration", "{\"vcpu_count\":33,\"mem_size_mib\":256}", "vcpu_count"),
                Arguments.of("InstanceActionInfo", "{\"action_type\":\"Reboot\"}", "action_type"),
                Arguments.of("Drive", "{\"drive_id\":\"rootfs\",\"path_on_host\":\"/r\"}", "is_root_device"),
                Arguments.of("BootSource", "{\"boot_args\":\"x\"}", "kernel_image_path"),
                Arguments.of("Vm", "{\"state\":\"Stopped\"}", "state"),
                Arguments.of("SnapshotLoadParams", "{\"snapshot_path\":\"/s\",\"mem_backend\":{\"backend_type\":"
                        + "\"File\",\"backend_path\":\"/m\",\"extra\":1}}", "extra"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("wrongBodies")
    @DisplayName("an unknown field, a missing required field, a wrong type or value is a violation naming it")
    void wrongBodiesRefused(String definition, String body, String named) throws Exception {
        assertThat(contract.violations(definition, JSON.readTree(body))).isNotEmpty()
                .anySatisfy(v -> assertThat(v).contains(named));
    }

    @Test
    @DisplayName("request lines are matched to the document's path templates, and unknown ones to nothing")
    void pathMatching() {
        assertThat(contract.match("PUT", "/drives/rootfs")).contains("PUT /drives/{drive_id}");
        assertThat(contract.match("PATCH", "/vm")).contains("PATCH /vm");
        assertThat(contract.match("PUT", "/vm")).isEmpty();
        assertThat(contract.match("PUT", "/drives/a/b")).isEmpty();
        assertThat(contract.match("POST", "/actions")).isEmpty();
    }

    @Test
    @DisplayName("what the document states stays open: metric properties take any string values")
    void statedAdditionalPropertiesKept() throws Exception {
        JsonNode metrics = JSON.readTree("{\"metrics_path\":\"/m\",\"properties\":{\"host\":\"a\"}}");
        assertThat(contract.violations("Metrics", metrics)).isEmpty();
        JsonNode wrong = JSON.readTree("{\"metrics_path\":\"/m\",\"properties\":{\"host\":1}}");
        assertThat(contract.violations("Metrics", wrong)).isNotEmpty();
    }
}
