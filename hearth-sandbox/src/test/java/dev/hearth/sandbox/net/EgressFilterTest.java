// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The sandbox egress filter's rules")
class EgressFilterTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("replies pass, DNS reaches only private resolvers named in resolv.conf, blocked ranges are refused")
    void rules() throws Exception {
        Path resolv = Files.writeString(dir.resolve("resolv.conf"),
                "# comment\nnameserver 10.255.255.53\nnameserver 1.1.1.1\nnameserver ::1\nsearch example\n");
        EgressFilter filter = new EgressFilter(new HostCommand(Optional.empty(), Duration.ofSeconds(5)), resolv);
        assertThat(filter.resolvers()).containsExactly("10.255.255.53");
        String rules = filter.chains();
        assertThat(rules.lines().toList()).startsWith("*filter", ":HEARTH-EGRESS - [0:0]", ":HEARTH-HOST - [0:0]",
                "-A HEARTH-EGRESS -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
                "-A HEARTH-EGRESS -m mark --mark 0x100000/0x100000 -j RETURN",
                "-A HEARTH-EGRESS -d 10.255.255.53/32 -p udp -m udp --dport 53 -j RETURN",
                "-A HEARTH-EGRESS -d 10.255.255.53/32 -p tcp -m tcp --dport 53 -j RETURN")
                .contains("-A HEARTH-EGRESS -d 169.254.0.0/16 -j REJECT --reject-with icmp-admin-prohibited",
                        "-A HEARTH-HOST -j REJECT --reject-with icmp-admin-prohibited")
                .endsWith("COMMIT")
                .noneMatch(l -> l.contains("ACCEPT"));
    }

    @Test
    @DisplayName("installing twice in a namespace leaves one jump each and the same chains; a bridge's jumps come and go")
    void idempotent() throws Exception {
        try (TestNamespace ns = TestNamespace.create()) {
            EgressFilter filter = EgressFilter.inNamespace(Optional.of(ns.name()), Duration.ofSeconds(20));
            filter.protect("hs-+");
            String first = ns.run("iptables", "-S");
            filter.protect("hs-+");
            assertThat(ns.run("iptables", "-S")).isEqualTo(first);
            assertThat(first).contains("-A FORWARD -j DOCKER-USER", "-A DOCKER-USER -i hs-+ -j HEARTH-EGRESS",
                    "-A INPUT -i hs-+ -j HEARTH-HOST");
            filter.protectBridge("fc-br0");
            assertThat(ns.run("iptables", "-S")).contains("-A DOCKER-USER -i fc-br0 ! -o fc-br0 -j HEARTH-EGRESS");
            filter.unprotectBridge("fc-br0");
            assertThat(ns.run("iptables", "-S")).isEqualTo(first);
        }
    }
}
