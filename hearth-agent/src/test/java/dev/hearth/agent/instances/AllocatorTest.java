// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.core.instance.InstanceSpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Allocation of ids, host ports and guest addresses under the state root's lock")
class AllocatorTest {

    @TempDir
    Path root;

    private InstanceSettings settings(String subnet) {
        return InstanceSettings.from(Map.of("STATE_ROOT", root.toString(), "BASE_PORT", "38890",
                "SUBNET_CIDR", subnet, "BRIDGE_ADDR", subnet.replace(".0/24", ".1/24")), root);
    }

    private static InstanceState state(InstanceSpec spec, Allocator.Allocation a) {
        return new InstanceState(spec.id(), spec.runtime(), a.hostPort(), a.guestIp(), "g-" + spec.id(), "img",
                spec.model(), spec.skills(), spec.telegramUsers(), 1, 256, "40G", false, false,
                InstanceState.Desired.CREATING, Instant.EPOCH, List.of());
    }

    private static InstanceSpec spec(String id, String runtime) {
        return InstanceSpec.builder().id(id).telegramToken("1:a").runtime(runtime).build();
    }

    @Test
    @DisplayName("a port something listens on is refused by name, and automatic picking skips it")
    void listeningPort() throws Exception {
        InstanceStore store = new InstanceStore(root);
        Allocator allocator = new Allocator(store, settings("172.16.0.0/24"));
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 38891));
            assertThatThrownBy(() -> allocator.allocate(spec("a", "docker").withHostPort(38891), s -> state(spec("a", "docker"), s)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("--host-port '38891'").hasMessageContaining("listening on 38891");
            assertThat(store.exists("a")).isFalse();
            Allocator.Allocation auto = allocator.allocate(spec("b", "docker"), a -> state(spec("b", "docker"), a));
            assertThat(auto.hostPort()).isEqualTo(38892);
            assertThat(auto.guestIp()).isNull();
        }
    }

    @Test
    @DisplayName("microVM instances get pool addresses .2 upwards, skipping the gateway; an exhausted pool is refused")
    void pool() throws Exception {
        InstanceStore store = new InstanceStore(root);
        // A gateway in the middle of the pool is skipped.
        InstanceSettings settings = InstanceSettings.from(Map.of("STATE_ROOT", root.toString(), "BASE_PORT", "38890",
                "SUBNET_CIDR", "10.9.8.0/24", "BRIDGE_ADDR", "10.9.8.3/24"), root);
        Allocator allocator = new Allocator(store, settings, port -> true);
        List<String> ips = new ArrayList<>();
        for (int i = 0; i < 252; i++) {
            InstanceSpec spec = spec("vm" + i, "qemu");
            ips.add(allocator.allocate(spec, a -> state(spec, a)).guestIp());
        }
        assertThat(ips).startsWith("10.9.8.2", "10.9.8.4").doesNotContain("10.9.8.3", "10.9.8.1", "10.9.8.255")
                .doesNotHaveDuplicates().endsWith("10.9.8.254");
        assertThatThrownBy(() -> allocator.allocate(spec("full", "firecracker"), a -> state(spec("full", "qemu"), a)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("IP pool exhausted");
        assertThat(store.exists("full")).isFalse();
        // Docker instances need no pool address.
        assertThat(allocator.allocate(spec("box", "docker"), a -> state(spec("box", "docker"), a)).guestIp()).isNull();
    }

    @Test
    @DisplayName("concurrent allocations in many threads get distinct ports and addresses")
    void concurrent() throws Exception {
        InstanceStore store = new InstanceStore(root);
        Allocator allocator = new Allocator(store, settings("172.16.0.0/24"), port -> true);
        Set<Integer> ports = ConcurrentHashMap.newKeySet();
        Set<String> ips = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String id = "c" + i;
                done.add(pool.submit(() -> {
                    InstanceSpec spec = spec(id, InstanceRuntime.QEMU.label());
                    Allocator.Allocation a = allocator.allocate(spec, x -> state(spec, x));
                    ports.add(a.hostPort());
                    ips.add(a.guestIp());
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(ports).hasSize(40);
        assertThat(ips).hasSize(40);
        assertThat(store.ids()).hasSize(40);
    }

    @Test
    @DisplayName("fireclaw's environment variables are honoured and malformed ones are named")
    void settingsFromEnvironment() {
        InstanceSettings s = InstanceSettings.from(Map.of("STATE_ROOT", "/x/state", "FC_ROOT", "/x/fc",
                "BASE_PORT", "20000", "BRIDGE_NAME", "br9", "BRIDGE_ADDR", "10.1.2.1/24", "SUBNET_CIDR", "10.1.2.0/24",
                "SSH_KEY_PATH", "/x/key", "BASE_IMAGES_DIR", "/x/images"), Path.of("/h"));
        assertThat(s).isEqualTo(new InstanceSettings(Path.of("/x/state"), Path.of("/x/fc"), 20000, "br9",
                "10.1.2.1/24", "10.1.2.0/24", Path.of("/x/key"), Path.of("/x/images")));
        InstanceSettings d = InstanceSettings.from(Map.of(), Path.of("/h"));
        assertThat(d.stateRoot()).isEqualTo(Path.of("/h/instances"));
        assertThat(d.basePort()).isEqualTo(18890);
        assertThat(d.bridgeName()).isEqualTo("fc-br0");
        assertThatThrownBy(() -> InstanceSettings.from(Map.of("BASE_PORT", "70000"), Path.of("/h")))
                .hasMessageContaining("BASE_PORT '70000'");
        assertThatThrownBy(() -> InstanceSettings.from(Map.of("SUBNET_CIDR", "10.0.0.0/16"), Path.of("/h")))
                .hasMessageContaining("SUBNET_CIDR '10.0.0.0/16'").hasMessageContaining("/24");
        assertThatThrownBy(() -> InstanceSettings.from(Map.of("BRIDGE_NAME", "a-very-long-bridge-name"), Path.of("/h")))
                .hasMessageContaining("BRIDGE_NAME");
    }
}
