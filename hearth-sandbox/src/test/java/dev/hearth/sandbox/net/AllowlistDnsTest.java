// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The shared DNS server of microVM guests answers each query for the guest its source address names. */
@DisplayName("A shared allowlist DNS server answers only admitted sources, each for its own names")
class AllowlistDnsTest {

    @Test
    @DisplayName("an unknown source is refused; an admitted one gets an answer for its names only; a dismissed one "
            + "is refused again")
    void answersBySource() throws Exception {
        try (AllowlistDns dns = AllowlistDns.shared("127.0.0.1", 0)) {
            assertThat(rcode(dns, "api.example.test")).isEqualTo(Rcode.REFUSED);
            dns.admit("127.0.0.1", new AllowlistDns.Tenant(Map.of("api.example.test", List.of(443)), null));
            dns.admit("127.0.0.2", new AllowlistDns.Tenant(Map.of("other.example.test", List.of(443)), null));
            assertThat(rcode(dns, "api.example.test")).isEqualTo(Rcode.NOERROR);
            assertThat(rcode(dns, "other.example.test")).as("another guest's name").isEqualTo(Rcode.REFUSED);
            dns.dismiss("127.0.0.1");
            assertThat(rcode(dns, "api.example.test")).isEqualTo(Rcode.REFUSED);
        }
    }

    /** The answer code of an AAAA query (answered empty for an allowed name, so no fence is involved). */
    private static int rcode(AllowlistDns dns, String name) throws Exception {
        Message query = Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.AAAA, DClass.IN));
        byte[] wire = query.toWire();
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            s.setSoTimeout(5000);
            s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress("127.0.0.1", dns.port())));
            DatagramPacket reply = new DatagramPacket(new byte[4096], 4096);
            s.receive(reply);
            return new Message(java.util.Arrays.copyOf(reply.getData(), reply.getLength())).getRcode();
        }
    }
}
