// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("NetworkConfig")
class NetworkConfigTest {

    @Test
    @DisplayName("defaults are fireclaw's: fc-br0, 172.16.0.1/24 on 172.16.0.0/24, ports isolated")
    void defaults() {
        NetworkConfig c = NetworkConfig.fromEnvironment(Map.of());

        assertThat(c.bridgeName()).isEqualTo("fc-br0");
        assertThat(c.bridgeAddress()).isEqualTo("172.16.0.1/24");
        assertThat(c.subnet()).isEqualTo("172.16.0.0/24");
        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/hearth/net"));
        assertThat(c.allowPeers()).isFalse();
        assertThat(c.namespace()).isEmpty();
    }

    @Test
    @DisplayName("the environment overrides each default")
    void environment() {
        NetworkConfig c = NetworkConfig.fromEnvironment(Map.of("BRIDGE_NAME", "hbr1", "BRIDGE_ADDR", "10.9.8.254/24",
                "SUBNET_CIDR", "10.9.8.0/24", "STATE_ROOT", "/tmp/h", "VM_TAP_USER", "qemu", "VM_ALLOW_PEERS", "true"));

        assertThat(c.bridgeName()).isEqualTo("hbr1");
        assertThat(c.bridgeCidr().toString()).isEqualTo("10.9.8.254/24");
        assertThat(c.stateDir()).isEqualTo(Path.of("/tmp/h/net"));
        assertThat(c.tapUser()).contains("qemu");
        assertThat(c.allowPeers()).isTrue();
    }

    @Test
    @DisplayName("a subnet that is not a /24 network is refused, naming SUBNET_CIDR")
    void subnetNotSlash24() {
        refused(Map.of("SUBNET_CIDR", "172.16.0.0/16"), "SUBNET_CIDR '172.16.0.0/16'", "/24");
        refused(Map.of("SUBNET_CIDR", "172.16.0.5/24"), "SUBNET_CIDR '172.16.0.5/24'", "last octet 0");
        refused(Map.of("SUBNET_CIDR", "172.16.0/24"), "SUBNET_CIDR '172.16.0/24'", "/24");
        refused(Map.of("SUBNET_CIDR", "256.1.1.0/24"), "SUBNET_CIDR '256.1.1.0/24'", "/24");
    }

    @Test
    @DisplayName("a bridge address outside the subnet, or its network or broadcast address, is refused, naming BRIDGE_ADDR")
    void bridgeOutsideSubnet() {
        refused(Map.of("BRIDGE_ADDR", "172.17.0.1/24"), "BRIDGE_ADDR '172.17.0.1/24'", "inside SUBNET_CIDR");
        refused(Map.of("BRIDGE_ADDR", "172.16.0.0/24"), "BRIDGE_ADDR '172.16.0.0/24'", "neither its network");
        refused(Map.of("BRIDGE_ADDR", "172.16.0.255/24"), "BRIDGE_ADDR", "broadcast");
        refused(Map.of("BRIDGE_ADDR", "172.16.0.1/16"), "BRIDGE_ADDR '172.16.0.1/16'", "same /24 prefix");
        refused(Map.of("BRIDGE_ADDR", "172.16.0.1"), "BRIDGE_ADDR '172.16.0.1'", "same /24 prefix");
    }

    @Test
    @DisplayName("a bridge name the kernel would refuse is refused, naming BRIDGE_NAME")
    void badBridgeName() {
        refused(Map.of("BRIDGE_NAME", "a-name-far-too-long"), "BRIDGE_NAME 'a-name-far-too-long'", "1..15 characters");
        refused(Map.of("BRIDGE_NAME", "br 0"), "BRIDGE_NAME 'br 0'", "1..15 characters");
    }

    @Test
    @DisplayName("VM_ALLOW_PEERS, VM_TAP_USER and VM_TAP_GROUP are checked")
    void otherVariables() {
        refused(Map.of("VM_ALLOW_PEERS", "yes"), "VM_ALLOW_PEERS 'yes'", "true or false");
        refused(Map.of("VM_TAP_USER", "root;rm"), "VM_TAP_USER 'root;rm'", "user name");
        refused(Map.of("VM_TAP_GROUP", "Kvm Users"), "VM_TAP_GROUP 'Kvm Users'", "group name");
    }

    @Test
    @DisplayName("TAP names follow fireclaw's rule with a separator before the octet, within 15 characters")
    void tapNamesAndMacs() {
        assertThat(Allocation.tapName("t", "my-bot_instance", 254)).isEqualTo("tmyboti-254");
        assertThat(Allocation.tapName("t", "ab1", 2)).isNotEqualTo(Allocation.tapName("t", "ab", 12));
        assertThat(Allocation.tapName("hrt1", "abcdefghij", 254)).hasSize(14);
        assertThat(Allocation.mac(2)).isEqualTo("06:fc:00:10:00:02");
        assertThat(Allocation.mac(254)).isEqualTo("06:fc:00:10:00:fe");
    }

    @Test
    @DisplayName("prefixes overlap when either contains the other")
    void overlaps() {
        Ipv4Cidr subnet = Ipv4Cidr.parse("172.16.0.0/24").orElseThrow();

        assertThat(subnet.overlaps(Ipv4Cidr.parse("172.16.0.0/12").orElseThrow())).isTrue();
        assertThat(subnet.overlaps(Ipv4Cidr.parse("172.16.0.77").orElseThrow())).isTrue();
        assertThat(subnet.overlaps(Ipv4Cidr.parse("172.17.0.0/16").orElseThrow())).isFalse();
        assertThat(subnet.overlaps(Ipv4Cidr.parse("172.16.1.0/24").orElseThrow())).isFalse();
    }

    private static void refused(Map<String, String> env, String field, String form) {
        assertThatThrownBy(() -> NetworkConfig.fromEnvironment(env)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(field).hasMessageContaining(form);
    }
}
