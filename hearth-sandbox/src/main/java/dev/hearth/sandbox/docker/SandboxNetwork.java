// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.net.AllowlistDns;
import dev.hearth.sandbox.net.EgressFilter;
import dev.hearth.sandbox.net.SandboxFence;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network of one networked sandbox: a user-defined bridge of its own, so no two sandboxes share a link.
 *
 * <p>Why one bridge per sandbox rather than one shared bridge with inter-container traffic off: with ICC off, the
 * engine still lets containers on one bridge reach each other through the host's router (their gateway), and every
 * per-sandbox exception would have to be written by hand. On bridges of their own, Docker's isolation chains drop
 * all traffic between them, ICC is off as well (the bridge holds one container, but an exec'd or attached one
 * still meets the rule), and the host filter ({@link EgressFilter}) matches them all by the interface prefix
 * {@value #INTERFACES}: link-local, private ranges and the host's own addresses are rejected.
 *
 * <p>Subnets are /28 slices of {@value #POOL}, chosen at random and retried when the engine says one overlaps, so
 * thousands of sandboxes fit (Docker's default pools hold about 30 networks). The network carries the same owner
 * labels as its container, and {@link OrphanReaper} removes those whose owner died and whose container is gone.
 * Thread-safe.
 */
final class SandboxNetwork {

    /** The iptables pattern matching every sandbox bridge ({@code hs-} and 12 hex digits). */
    static final String INTERFACES = "hs-+";
    /** Where sandbox subnets come from. */
    static final String POOL = "10.213.0.0/16";

    private static final Logger log = LoggerFactory.getLogger(SandboxNetwork.class);
    private static final String PREFIX = "hearth-net-";
    private static final int SLICES = 4096; // /28 slices of the /16
    private static final int ATTEMPTS = 32;

    private final DockerClient docker;
    private final EgressFilter filter;
    private final Map<String, Allowlist> allowlists = new java.util.concurrent.ConcurrentHashMap<>();

    /** The host rules and DNS server of a sandbox with an egress allowlist; closed with its network. */
    private record Allowlist(String gateway, SandboxFence fence, AllowlistDns dns) implements AutoCloseable {
        @Override
        public void close() {
            dns.close();
            fence.close();
        }
    }

    SandboxNetwork(DockerClient docker, EgressFilter filter) {
        this.docker = docker;
        this.filter = filter;
    }

    static SandboxNetwork onHost(DockerClient docker) {
        return new SandboxNetwork(docker, EgressFilter.onHost(Duration.ofSeconds(20)));
    }

    /** The network name of the sandbox named {@code sandbox}. */
    static String nameOf(String sandbox) {
        return PREFIX + sandbox;
    }

    /** The bridge interface of the sandbox named {@code sandbox}: 15 characters, the Linux limit. */
    static String bridgeOf(String sandbox) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(sandbox.getBytes(StandardCharsets.UTF_8));
            return "hs-" + HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Installs the host filter, then creates the sandbox's network; returns its name, for the container's network
     * mode. A network of that name already there (an instance's container made again) is reused. Nothing is left
     * behind when it fails.
     */
    String create(SandboxSpec spec) throws SandboxException {
        String name = createNetwork(spec);
        if (!spec.allow().isEmpty()) {
            try {
                fence(spec);
            } catch (SandboxException | RuntimeException e) {
                remove(spec.name());
                throw e;
            }
        }
        return name;
    }

    /**
     * Creates the network of a long-lived sandbox (an instance) and returns its name. Unlike {@link #create}, its
     * allowlist is not enforced by this process, which may end long before the container: {@link #fence} writes the
     * rules before each start, and the DNS server is served by the long-lived process ({@link #serveDns}).
     */
    String createLasting(SandboxSpec spec) throws SandboxException {
        return createNetwork(spec);
    }

    /**
     * Writes (or writes again) the egress allowlist rules of long-lived sandbox {@code sandbox}, whose network
     * exists; safe while its container runs (the chains are replaced in one step).
     */
    void fence(String sandbox, java.util.List<dev.hearth.core.job.EgressAllow> allow) throws SandboxException {
        SandboxFence.refresh(bridgeOf(sandbox), gateway(sandbox), allow, Duration.ofSeconds(20));
    }

    /** Removes long-lived sandbox {@code sandbox}'s allowlist rules; harmless when it has none. */
    void unfence(String sandbox) {
        SandboxFence.removeLeftover(bridgeOf(sandbox));
    }

    /**
     * Writes the allowlist rules of long-lived sandbox {@code sandbox} again and starts its DNS server on its
     * gateway, in the calling (long-lived) process; closing the server leaves the rules.
     */
    AllowlistDns serveDns(String sandbox, java.util.List<dev.hearth.core.job.EgressAllow> allow)
            throws SandboxException {
        String gateway = gateway(sandbox);
        SandboxFence fence = SandboxFence.refresh(bridgeOf(sandbox), gateway, allow, Duration.ofSeconds(20));
        return AllowlistDns.start(gateway, allow, fence);
    }

    /**
     * The DNS server a sandbox's container must use: its allowlist's forwarder on the gateway, or empty when the
     * sandbox has no allowlist (the engine's own DNS).
     */
    java.util.Optional<String> dns(String sandbox) {
        return java.util.Optional.ofNullable(allowlists.get(sandbox)).map(Allowlist::gateway);
    }

    /** The gateway of the sandbox's network, as the engine assigned it. */
    String gateway(String sandbox) throws SandboxException {
        try {
            return docker.inspectNetworkCmd().withNetworkId(nameOf(sandbox)).exec().getIpam().getConfig()
                    .getFirst().getGateway();
        } catch (RuntimeException e) {
            throw DockerErrors.translate("inspect network " + nameOf(sandbox), e);
        }
    }

    /** Installs the allowlist's rules and starts its DNS server on the network's gateway. */
    private void fence(SandboxSpec spec) throws SandboxException {
        Allowlist old = allowlists.remove(spec.name());
        if (old != null) {
            old.close(); // an instance's container made again: its rules and server are made afresh
        }
        String gateway = gateway(spec.name());
        SandboxFence fence = SandboxFence.install(bridgeOf(spec.name()), gateway, spec.allow(),
                Duration.ofSeconds(20));
        try {
            allowlists.put(spec.name(), new Allowlist(gateway, fence, AllowlistDns.start(gateway, spec.allow(),
                    fence)));
        } catch (SandboxException e) {
            fence.close();
            throw e;
        }
    }

    private String createNetwork(SandboxSpec spec) throws SandboxException {
        filter.protect(INTERFACES);
        String name = nameOf(spec.name());
        Map<String, String> options = Map.of(
                "com.docker.network.bridge.name", bridgeOf(spec.name()),
                "com.docker.network.bridge.enable_icc", "false",
                "com.docker.network.bridge.enable_ip_masquerade", "true");
        RuntimeException last = null;
        int start = ThreadLocalRandom.current().nextInt(SLICES);
        for (int i = 0; i < ATTEMPTS; i++) {
            int slice = (start + i) % SLICES;
            String base = "10.213." + (slice >> 4) + ".";
            int offset = (slice & 15) << 4;
            try {
                docker.createNetworkCmd().withName(name).withDriver("bridge").withOptions(options)
                        .withLabels(OrphanReaper.ownerLabels(spec)).withCheckDuplicate(true)
                        .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config()
                                .withSubnet(base + offset + "/28").withGateway(base + (offset + 1))))
                        .exec();
                return name;
            } catch (ConflictException exists) {
                // left by an earlier container of the same sandbox (an instance made again): same name, same
                // bridge, behind the same filter, so it is reused
                log.debug("reusing network {}: {}", name, DockerErrors.rootMessage(exists));
                return name;
            } catch (DockerException e) {
                if (e.getMessage() == null || !e.getMessage().contains("overlaps")) {
                    throw DockerErrors.translate("create network " + name, e);
                }
                last = e;
            } catch (RuntimeException e) {
                throw DockerErrors.translate("create network " + name, e);
            }
        }
        throw new SandboxException("no free /28 subnet in " + POOL + " for network " + name + " after " + ATTEMPTS
                + " attempts; remove unused networks (docker network prune) or run fewer sandboxes", last);
    }

    /** Removes the sandbox's network; a missing one is fine, a failure is logged (the reaper tries again). */
    void remove(String sandbox) {
        Allowlist allowlist = allowlists.remove(sandbox);
        if (allowlist != null) {
            allowlist.close();
        }
        remove(docker, nameOf(sandbox));
    }

    static void remove(DockerClient docker, String network) {
        try {
            docker.removeNetworkCmd(network).exec();
        } catch (NotFoundException gone) {
            // idempotent
        } catch (RuntimeException e) {
            log.error("could not remove network {}: {}", network, DockerErrors.rootMessage(e));
        }
    }
}
