// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.JobOffer;
import dev.hearth.core.protocol.JobWire;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("A network policy reads the mode alone or with an egress allowlist, and refuses garbage by field")
class NetworkPolicyTest {

    private static JobDocument document(String json) throws Exception {
        return Json.mapper().readValue(json, JobDocument.class);
    }

    @Test
    @DisplayName("the old string forms still read as before")
    void stringForms() throws Exception {
        assertThat(document("{\"command\":[\"true\"],\"network\":\"nat\"}").toSubmission("j").spec().network())
                .isEqualTo(NetworkPolicy.NAT);
        assertThat(document("{\"command\":[\"true\"],\"network\":\"none\"}").toSubmission("j").spec().network())
                .isEqualTo(NetworkPolicy.NONE);
        assertThat(document("{\"command\":[\"true\"]}").toSubmission("j").spec().network())
                .isEqualTo(NetworkPolicy.NONE);
    }

    @Test
    @DisplayName("the object form carries names, addresses and blocks, normalised")
    void objectForm() throws Exception {
        NetworkPolicy p = document("{\"command\":[\"true\"],\"network\":{\"mode\":\"nat\",\"allow\":"
                + "[\"API.Anthropic.com:443\",\"10.1.2.3:5432\",\"10.1.2.0/24:80\"]}}").toSubmission("j").spec()
                .network();
        assertThat(p.mode()).isEqualTo(NetworkMode.NAT);
        assertThat(p.allow()).extracting(EgressAllow::text)
                .containsExactly("api.anthropic.com:443", "10.1.2.3/32:5432", "10.1.2.0/24:80");
        assertThat(p.allow().get(0).isName()).isTrue();
        assertThat(p.allow().get(1).isName()).isFalse();
    }

    @Test
    @DisplayName("the wire form is the string without an allowlist and round-trips with one")
    void wire() throws Exception {
        JobSpec plain = JobSpec.builder("j", "busybox", List.of("true")).network(NetworkMode.NAT).build();
        assertThat(JobWire.toWire(plain, List.of()).network()).isEqualTo("nat");
        JobSpec fenced = JobSpec.builder("j", "busybox", List.of("true"))
                .network(NetworkPolicy.parse("--network", "nat", "--allow", List.of("example.org:443"))).build();
        String json = Json.mapper().writeValueAsString(JobWire.toWire(fenced, List.of()));
        assertThat(json).contains("\"network\":{\"mode\":\"nat\",\"allow\":[\"example.org:443\"]}");
        JobOffer.WireJobSpec back = Json.mapper().readValue(json, JobOffer.WireJobSpec.class);
        assertThat(JobWire.fromWire("j", back).network()).isEqualTo(fenced.network());
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.org", "example.org:0", "example.org:65536", "example.org:http", ":443",
        "10.1.2.3/33:80", "10.1.2.3/24:80", "300.1.2.3:80", "[::1]:443", "a b:80", "-bad.example:80",
        "example.org:443:1", "1.2.3.4.5:80"})
    @DisplayName("a malformed entry is refused naming its place in the list and the accepted form")
    void garbageEntry(String entry) {
        assertThatThrownBy(() -> NetworkPolicy.fromJson("network", Map.of("mode", "nat", "allow", List.of(entry))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("network.allow[0]")
                .hasMessageContaining("HOST:PORT, IP:PORT or CIDR:PORT");
    }

    @Test
    @DisplayName("allow without nat, unknown keys, a non-list and too many entries are refused by field")
    void garbageShape() {
        assertThatThrownBy(() -> NetworkPolicy.fromJson("network", Map.of("mode", "none", "allow",
                List.of("example.org:443")))).hasMessageStartingWith("network.allow").hasMessageContaining("nat");
        assertThatThrownBy(() -> NetworkPolicy.fromJson("network", Map.of("mode", "nat", "deny", List.of())))
                .hasMessageStartingWith("network.deny");
        assertThatThrownBy(() -> NetworkPolicy.fromJson("network", Map.of("mode", "nat", "allow", "x:1")))
                .hasMessageStartingWith("network.allow");
        assertThatThrownBy(() -> NetworkPolicy.fromJson("network", Map.of("allow", List.of())))
                .hasMessageStartingWith("network.mode");
        assertThatThrownBy(() -> NetworkPolicy.fromJson("network", 42)).hasMessageStartingWith("network");
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= NetworkPolicy.MAX_ALLOW; i++) {
            many.add("h" + i + ".example:443");
        }
        assertThatThrownBy(() -> NetworkPolicy.fromJson("network", Map.of("mode", "nat", "allow", many)))
                .hasMessageStartingWith("network.allow").hasMessageContaining("at most " + NetworkPolicy.MAX_ALLOW);
        assertThatThrownBy(() -> NetworkPolicy.parse("--network", "none", "--allow", List.of("example.org:443")))
                .hasMessageStartingWith("--allow");
        assertThatThrownBy(() -> NetworkPolicy.parse("--network", "nat", "--allow", List.of("example.org")))
                .hasMessageStartingWith("--allow");
    }

    @Test
    @DisplayName("an address block overlapping private, link-local or loopback ranges is refused from the network")
    void privateRanges() {
        assertThat(EgressAllow.parse("a", "10.1.2.3:5432").opensPrivateRange()).isTrue();
        assertThat(EgressAllow.parse("a", "169.254.169.254:80").opensPrivateRange()).isTrue();
        assertThat(EgressAllow.parse("a", "0.0.0.0/0:443").opensPrivateRange()).isTrue();
        assertThat(EgressAllow.parse("a", "198.51.100.2:8080").opensPrivateRange()).isFalse();
        assertThat(EgressAllow.parse("a", "example.org:443").opensPrivateRange()).isFalse();
        NetworkPolicy remote = NetworkPolicy.parse("n", "nat", "a", List.of("example.org:443", "192.168.1.0/24:80"));
        assertThatThrownBy(() -> remote.checkFromNetwork("spec.network.allow"))
                .hasMessageStartingWith("spec.network.allow '192.168.1.0/24:80'");
        NetworkPolicy.parse("n", "nat", "a", List.of("example.org:443", "198.51.100.0/24:80"))
                .checkFromNetwork("spec.network.allow");
    }
}
