// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.core.job.EgressAllow;
import dev.hearth.sandbox.SandboxException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The DNS server of sandboxes with an egress allowlist, bound on a host address their traffic reaches (a Docker
 * sandbox's bridge gateway, port 53; the microVM bridge's address, on a port its guests' DNS is redirected to).
 *
 * <p>Each query is answered for the sandbox it came from, found by its source address ({@link Tenant}): a
 * server of one Docker sandbox has one tenant for every source (its bridge holds one container), the shared server of
 * the microVM bridge one per guest address, which the guest's TAP pins (its anti-spoofing rules). A query from a source
 * with no tenant is REFUSED. It answers A queries only for names in the tenant's allowlist, resolving them with the
 * host's resolver ({@link InetAddress}, so {@code /etc/hosts} counts), and opens each answered address on the
 * name's allowed ports through the tenant's {@link SandboxFence} before the answer leaves; AAAA and other types of an
 * allowed name get an empty answer (sandboxes have no IPv6), every other name REFUSED. It never forwards a query
 * anywhere, so a sandbox cannot tunnel data out through DNS. Answers carry a TTL of {@value #TTL_SECONDS} s; opened
 * addresses stay open for the sandbox's life, bounded by {@link SandboxFence#MAX_LEARNED}. {@link #close} stops
 * both listeners. Thread-safe.
 */
public final class AllowlistDns implements AutoCloseable {

    /** The TTL of every answer. */
    public static final int TTL_SECONDS = 30;

    private static final Logger log = LoggerFactory.getLogger(AllowlistDns.class);
    private static final int MAX_MESSAGE = 4096;
    private static final int TCP_TIMEOUT_MS = 5000;

    /**
     * What one sandbox may resolve: its allowed names with their ports, and the fence answers are opened in.
     *
     * @param ports allowed TCP ports by lower-case name
     * @param fence the sandbox's fence
     */
    public record Tenant(Map<String, List<Integer>> ports, SandboxFence fence) {

        /** The tenant of a sandbox with allowlist {@code allow} (its address entries need no DNS) and {@code fence}. */
        public static Tenant of(List<EgressAllow> allow, SandboxFence fence) {
            Map<String, List<Integer>> ports = new LinkedHashMap<>();
            for (EgressAllow a : allow) {
                if (a.isName()) {
                    ports.computeIfAbsent(a.target(), n -> new ArrayList<>()).add(a.port());
                }
            }
            ports.replaceAll((n, p) -> List.copyOf(p));
            return new Tenant(Map.copyOf(ports), fence);
        }
    }

    private final Tenant only;
    private final Map<String, Tenant> bySource = new java.util.concurrent.ConcurrentHashMap<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Thread> threads = new ArrayList<>();

    private AllowlistDns(Tenant only, DatagramSocket udp, ServerSocket tcp) {
        this.only = only;
        this.udp = udp;
        this.tcp = tcp;
    }

    /**
     * Starts the server of one sandbox on {@code gateway} port 53 for the names of {@code allow}, opening answers
     * through {@code fence}; every source is that sandbox.
     *
     * @throws SandboxException when the port cannot be bound (another DNS server on the address; not root)
     */
    public static AllowlistDns start(String gateway, List<EgressAllow> allow, SandboxFence fence)
            throws SandboxException {
        return bind(gateway, 53, Tenant.of(allow, fence));
    }

    /**
     * Starts a server shared by several sandboxes on {@code address}:{@code port} (0: a free port, see
     * {@link #port()}); each is answered once {@link #admit admitted} by its source address.
     *
     * @throws SandboxException when the address cannot be bound
     */
    public static AllowlistDns shared(String address, int port) throws SandboxException {
        return bind(address, port, null);
    }

    private static AllowlistDns bind(String address, int port, Tenant only) throws SandboxException {
        DatagramSocket udp = null;
        try {
            udp = new DatagramSocket(new InetSocketAddress(address, port));
            ServerSocket tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(address, udp.getLocalPort()));
            AllowlistDns dns = new AllowlistDns(only, udp, tcp);
            dns.threads.add(Thread.ofPlatform().daemon().name("hearth-dns-udp-" + address).start(dns::serveUdp));
            dns.threads.add(Thread.ofPlatform().daemon().name("hearth-dns-tcp-" + address).start(dns::serveTcp));
            return dns;
        } catch (IOException e) {
            if (udp != null) {
                udp.close();
            }
            throw new SandboxException("cannot serve the sandbox DNS on " + address + ":" + port + ": "
                    + e.getMessage() + " (Hearth needs root to bind port 53, and the address must be the host's)", e);
        }
    }

    /** The port both listeners are bound to (UDP and TCP alike). */
    public int port() {
        return udp.getLocalPort();
    }

    /** Answers queries from IPv4 {@code source} (a guest's pinned address) for {@code tenant}, replacing any. */
    public void admit(String source, Tenant tenant) {
        bySource.put(source, tenant);
    }

    /** Stops answering {@code source}; its queries are REFUSED from now on. */
    public void dismiss(String source) {
        bySource.remove(source);
    }

    /** The tenant queries from {@code source} are answered for, or null. */
    private Tenant tenant(InetAddress source) {
        return only != null ? only : bySource.get(source.getHostAddress());
    }

    /** The answer to one query in wire form; null when the query is not a DNS message (dropped). */
    byte[] answer(byte[] query, int length, InetAddress source) {
        Message in;
        try {
            in = new Message(java.util.Arrays.copyOf(query, length));
        } catch (IOException malformed) {
            return null;
        }
        Message out = new Message(in.getHeader().getID());
        out.getHeader().setFlag(Flags.QR);
        out.getHeader().setOpcode(in.getHeader().getOpcode());
        Record question = in.getQuestion();
        if (question == null || in.getHeader().getOpcode() != 0) {
            out.getHeader().setRcode(Rcode.REFUSED);
            return out.toWire(MAX_MESSAGE);
        }
        out.addRecord(question, Section.QUESTION);
        if (in.getHeader().getFlag(Flags.RD)) {
            out.getHeader().setFlag(Flags.RD);
        }
        out.getHeader().setFlag(Flags.RA);
        String name = question.getName().toString(true).toLowerCase(Locale.ROOT);
        Tenant tenant = tenant(source);
        List<Integer> allowedPorts = tenant == null ? null : tenant.ports().get(name);
        if (allowedPorts == null || question.getDClass() != DClass.IN) {
            out.getHeader().setRcode(Rcode.REFUSED);
            return out.toWire(MAX_MESSAGE);
        }
        if (question.getType() == Type.A) {
            try {
                for (InetAddress a : InetAddress.getAllByName(name)) {
                    if (a instanceof Inet4Address v4 && tenant.fence().learn(v4, allowedPorts)) {
                        out.addRecord(new ARecord(question.getName(), DClass.IN, TTL_SECONDS, v4), Section.ANSWER);
                    }
                }
            } catch (UnknownHostException e) {
                out.getHeader().setRcode(Rcode.NXDOMAIN);
            }
        }
        return out.toWire(MAX_MESSAGE);
    }

    private void serveUdp() {
        byte[] buffer = new byte[MAX_MESSAGE];
        while (!udp.isClosed()) {
            DatagramPacket p = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(p);
                byte[] reply = answer(p.getData(), p.getLength(), p.getAddress());
                if (reply != null) {
                    udp.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                }
            } catch (SocketException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                log.warn("sandbox DNS on {}: {}", udp.getLocalSocketAddress(), e.toString());
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket s = tcp.accept();
                Thread.ofVirtual().name("hearth-dns-conn").start(() -> serveConnection(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serveConnection(Socket s) {
        try (s) {
            s.setSoTimeout(TCP_TIMEOUT_MS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            int length = in.readUnsignedShort();
            byte[] query = in.readNBytes(Math.min(length, MAX_MESSAGE));
            byte[] reply = answer(query, query.length, s.getInetAddress());
            if (reply != null) {
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("sandbox DNS connection: {}", e.toString());
        }
    }

    /** Stops both listeners and waits for them; idempotent. */
    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            log.warn("closing the sandbox DNS listener: {}", e.getMessage());
        }
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
