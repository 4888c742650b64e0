// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The links of Hearth's network, through iproute2: the bridge with its address, its ports (TAPs, and in tests the
 * host ends of veth pairs) and the kernel's IPv4 forwarding switch. Every step checks before it changes, so each is
 * idempotent. Not thread-safe on its own: callers hold the bridge's lock.
 */
final class HostBridge {

    private final HostCommand host;
    private final NetworkConfig config;

    HostBridge(HostCommand host, NetworkConfig config) {
        this.host = host;
        this.config = config;
    }

    /**
     * Refuses a subnet that overlaps a route the host already has on another interface (the default route aside),
     * before anything is changed: two interfaces claiming one range would send guests' or the host's traffic astray.
     *
     * @throws InvalidInputException naming SUBNET_CIDR, the route and its interface
     */
    void checkRoutes() throws HostCommandException {
        Ipv4Cidr subnet = config.subnetCidr();
        for (JsonNode route : json(host.run("ip", "-j", "route", "show"))) {
            String dst = route.path("dst").asText();
            String dev = route.path("dev").asText();
            Optional<Ipv4Cidr> cidr = Ipv4Cidr.parse(dst);
            if (dev.equals(config.bridgeName()) || cidr.isEmpty() || !cidr.get().overlaps(subnet)) {
                continue;
            }
            throw new InvalidInputException("SUBNET_CIDR", config.subnet(), "a /24 that no route on this host covers,"
                    + " but the route " + dst + " on " + (dev.isEmpty() ? "no device" : "dev " + dev)
                    + " overlaps it; choose a free range (and BRIDGE_ADDR inside it)");
        }
    }

    /**
     * Creates the bridge if it is missing, gives it BRIDGE_ADDR if it lacks it, and brings it up, recording in the
     * ledger what Hearth created.
     */
    void ensure(Ledger ledger) throws HostCommandException {
        String br = config.bridgeName();
        Optional<JsonNode> link = link(br);
        if (link.isEmpty()) {
            host.run("ip", "link", "add", "name", br, "type", "bridge");
            ledger.markCreated(Ledger.Created.BRIDGE);
        } else if (!link.get().path("linkinfo").path("info_kind").asText().equals("bridge")) {
            throw new InvalidInputException("BRIDGE_NAME", br, "the name of a bridge or of no interface yet, but "
                    + br + " is a " + link.get().path("linkinfo").path("info_kind").asText("device") + " link");
        }
        if (!hasAddress(br)) {
            host.run("ip", "addr", "add", config.bridgeAddress(), "dev", br);
            ledger.markCreated(Ledger.Created.ADDRESS);
        }
        host.run("ip", "link", "set", "dev", br, "up");
    }

    /** Turns IPv4 forwarding on (for the namespace the commands run in) when it is off. */
    void ensureForwarding() throws HostCommandException {
        if (!host.run("sysctl", "-n", "net.ipv4.ip_forward").strip().equals("1")) {
            host.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        }
    }

    /**
     * Makes {@code port} a port of the bridge and brings it up, isolated from the other ports unless peers are
     * allowed. Isolation is set before the port comes up, so there is no moment it can reach a peer. The one path
     * every port takes: TAPs for VMs, veth ends for the tests that stand in for guests.
     */
    void join(String port) throws HostCommandException {
        host.run("ip", "link", "set", "dev", port, "master", config.bridgeName());
        host.run("bridge", "link", "set", "dev", port, "isolated", config.allowPeers() ? "off" : "on");
        host.run("ip", "link", "set", "dev", port, "up");
    }

    /** Creates a persistent TAP named {@code name}, owned by the configured user and group. */
    void createTap(String name) throws HostCommandException {
        if (link(name).isPresent()) {
            throw new HostCommandException("ip link show dev " + name, 0, "", "TAP " + name + " already exists and is "
                    + "not in Hearth's ledger for bridge " + config.bridgeName() + "; another network in this namespace "
                    + "may use the same TAP prefix, or it is left from a crash: remove it with `ip link del " + name
                    + "`", null);
        }
        List<String> argv = new ArrayList<>(List.of("ip", "tuntap", "add", "dev", name,
                "mode", "tap"));
        config.tapUser().ifPresent(u -> argv.addAll(List.of("user", u)));
        config.tapGroup().ifPresent(g -> argv.addAll(List.of("group", g)));
        host.run(argv.toArray(String[]::new));
    }

    /** Removes BRIDGE_ADDR from the bridge. */
    void removeAddress() throws HostCommandException {
        host.run("ip", "addr", "del", config.bridgeAddress(), "dev", config.bridgeName());
    }

    /** Deletes link {@code name}; true when it was there. */
    boolean delete(String name) throws HostCommandException {
        if (link(name).isEmpty()) {
            return false;
        }
        host.run("ip", "link", "del", "dev", name);
        return true;
    }

    /** The link's details ({@code ip -d -j link show}), or empty when there is no such link. */
    Optional<JsonNode> link(String name) throws HostCommandException {
        HostCommand.Result r = host.attempt("ip", "-d", "-j", "link", "show", "dev", name);
        if (!r.ok()) {
            if (r.stderr().contains("does not exist")) {
                return Optional.empty();
            }
            throw host.failure(new String[] {"ip", "-d", "-j", "link", "show", "dev", name}, r);
        }
        JsonNode links = json(r.stdout());
        return links.isEmpty() ? Optional.empty() : Optional.of(links.get(0));
    }

    private boolean hasAddress(String br) throws HostCommandException {
        Ipv4Cidr want = config.bridgeCidr();
        for (JsonNode iface : json(host.run("ip", "-j", "addr", "show", "dev", br))) {
            for (JsonNode a : iface.path("addr_info")) {
                if (a.path("family").asText().equals("inet")
                        && a.path("local").asText().equals(Ipv4Cidr.dotted(want.address()))
                        && a.path("prefixlen").asInt() == want.prefixLength()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode json(String text) {
        try {
            return text.isBlank() ? Json.mapper().createArrayNode() : Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("iproute2 printed JSON Hearth cannot read: " + e.getMessage(), e);
        }
    }
}
