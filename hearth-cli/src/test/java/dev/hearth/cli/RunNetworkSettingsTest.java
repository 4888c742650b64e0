// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.net.TestNamespace;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("hearth run --runtime qemu --network nat refuses bad network settings before anything starts")
class RunNetworkSettingsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "SUBNET_CIDR|10.20.0.0/16|SUBNET_CIDR '10.20.0.0/16' is invalid: an IPv4 /24 network with its last octet 0",
            "SUBNET_CIDR|10.20.30.5/24|SUBNET_CIDR '10.20.30.5/24' is invalid: an IPv4 /24 network with its last octet 0",
            "SUBNET_CIDR|banana|SUBNET_CIDR 'banana' is invalid: an IPv4 /24 network",
            "BRIDGE_ADDR|10.9.9.1/24|BRIDGE_ADDR '10.9.9.1/24' is invalid: a host address inside SUBNET_CIDR",
            "BRIDGE_NAME|a-very-long-bridge-name|BRIDGE_NAME 'a-very-long-bridge-name' is invalid",
            "VM_ALLOW_PEERS|maybe|VM_ALLOW_PEERS 'maybe' is invalid: true or false",
    })
    void malformed(String variable, String value, String message) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(variable, value);
        env.put("STATE_ROOT", dir.toString());
        CliRun r = CliRun.of(env, "run", "--runtime", "qemu", "--network", "nat", "--", "true");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("hearth: " + message);
        assertThat(r.err()).as("refused before a driver was opened").doesNotContain("hearth: job ");
    }

    @Test
    @DisplayName("a subnet overlapping a route of the host is refused by name, and no bridge is made")
    void subnetOverlapsRoute() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            // the test's "host": a namespace with a link (a bridge: no dummy module here) routing 10.99.0.0/16
            ns.run("ip", "link", "add", "lan0", "type", "bridge");
            ns.run("ip", "addr", "add", "10.99.0.2/16", "dev", "lan0");
            ns.run("ip", "link", "set", "lan0", "up");
            HearthInNamespace.Result r = HearthInNamespace.run(ns, Map.of("STATE_ROOT", dir.toString(),
                    "SUBNET_CIDR", "10.99.7.0/24", "BRIDGE_ADDR", "10.99.7.1/24"),
                    "run", "--runtime", "qemu", "--network", "nat", "--", "true");
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("SUBNET_CIDR '10.99.7.0/24' is invalid: a /24 that no route on this host "
                    + "covers, but the route 10.99.0.0/16 on dev lan0 overlaps it");
            assertThat(ns.succeeds("ip", "link", "show", "fc-br0")).as("bridge made").isFalse();
            assertThat(ns.run("iptables-save")).doesNotContain("hearth:");
        }
    }
}
