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
 * The DNS server of one sandbox with an egress allowlist, bound on its bridge's gateway (UDP and TCP port 53).
 *
 * <p>It answers A queries only for names in the allowlist, resolving them with the host's resolver
 * ({@link InetAddress}, so {@code /etc/hosts} counts), and opens each answered address on the name's allowed ports
 * through the sandbox's {@link SandboxFence} before the answer leaves; AAAA and other types of an allowed name get
 * an empty answer (sandboxes have no IPv6), every other name REFUSED. It never forwards a query anywhere, so a
 * sandbox cannot tunnel data out through DNS. Answers carry a TTL of {@value #TTL_SECONDS} s; opened addresses stay
 * open for the sandbox's life, bounded by {@link SandboxFence#MAX_LEARNED}. {@link #close} stops both listeners.
 * Thread-safe.
 */
public final class AllowlistDns implements AutoCloseable {

    /** The TTL of every answer. */
    public static final int TTL_SECONDS = 30;

    private static final Logger log = LoggerFactory.getLogger(AllowlistDns.class);
    private static final int MAX_MESSAGE = 4096;
    private static final int TCP_TIMEOUT_MS = 5000;

    private final Map<String, List<Integer>> ports = new LinkedHashMap<>();
    private final SandboxFence fence;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final List<Thread> threads = new ArrayList<>();

    private AllowlistDns(List<EgressAllow> allow, SandboxFence fence, DatagramSocket udp, ServerSocket tcp) {
        for (EgressAllow a : allow) {
            if (a.isName()) {
                ports.computeIfAbsent(a.target(), n -> new ArrayList<>()).add(a.port());
            }
        }
        this.fence = fence;
        this.udp = udp;
        this.tcp = tcp;
    }

    /**
     * Starts the server on {@code gateway} port 53 for the names of {@code allow}, opening answers through
     * {@code fence}.
     *
     * @throws SandboxException when the port cannot be bound (another DNS server on the address; not root)
     */
    public static AllowlistDns start(String gateway, List<EgressAllow> allow, SandboxFence fence)
            throws SandboxException {
        InetSocketAddress at = new InetSocketAddress(gateway, 53);
        DatagramSocket udp = null;
        try {
            udp = new DatagramSocket(at);
            ServerSocket tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(at);
            AllowlistDns dns = new AllowlistDns(allow, fence, udp, tcp);
            dns.threads.add(Thread.ofPlatform().daemon().name("hearth-dns-udp-" + gateway).start(dns::serveUdp));
            dns.threads.add(Thread.ofPlatform().daemon().name("hearth-dns-tcp-" + gateway).start(dns::serveTcp));
            return dns;
        } catch (IOException e) {
            if (udp != null) {
                udp.close();
            }
            throw new SandboxException("cannot serve the sandbox's DNS on " + gateway + ":53: " + e.getMessage()
                    + " (Hearth needs root to bind port 53)", e);
        }
    }

    /** The answer to one query in wire form; null when the query is not a DNS message (dropped). */
    byte[] answer(byte[] query, int length) {
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
        List<Integer> allowedPorts = ports.get(name);
        if (allowedPorts == null || question.getDClass() != DClass.IN) {
            out.getHeader().setRcode(Rcode.REFUSED);
            return out.toWire(MAX_MESSAGE);
        }
        if (question.getType() == Type.A) {
            try {
                for (InetAddress a : InetAddress.getAllByName(name)) {
                    if (a instanceof Inet4Address v4 && fence.learn(v4, allowedPorts)) {
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
                byte[] reply = answer(p.getData(), p.getLength());
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
            byte[] reply = answer(query, query.length);
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
