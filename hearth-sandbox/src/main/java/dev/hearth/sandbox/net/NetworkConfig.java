// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.core.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How Hearth's microVM network is laid out on a host, with fireclaw's variables and defaults. Validated on
 * construction, before anything on the host is touched: bad values raise {@link InvalidInputException} naming the
 * variable and the accepted form. (Whether the subnet collides with a route already on the host can only be told by
 * asking the host, so {@link HostNetwork#ensure()} checks that, still before it changes anything.)
 *
 * @param bridgeName BRIDGE_NAME, the Linux bridge every VM's TAP joins: {@value #DEFAULT_BRIDGE}, the name
 *     fireclaw's scripts create (its README's {@code fcbr0} is out of date)
 * @param bridgeAddress BRIDGE_ADDR, the host's address on the bridge and the guests' gateway, in the subnet
 * @param subnet SUBNET_CIDR, the guests' subnet; a /24, as fireclaw's allocator assumes
 * @param stateDir where the allocation file and its lock live ({@code $STATE_ROOT/net}); shared by every process
 *     on the host that uses this bridge
 * @param tapPrefix the first characters of every TAP name ({@code t}, as fireclaw); two networks in one network
 *     namespace need different prefixes so their TAP names cannot meet
 * @param tapUser the user allowed to open the TAPs (a VMM not running as root), or empty for root only
 * @param tapGroup the group allowed to open the TAPs, or empty
 * @param allowPeers whether VMs on this bridge may reach each other; false (the default) isolates every port
 * @param namespace the network namespace every command runs in ({@code ip netns exec}), or empty for the
 *     current one; tests use a namespace of their own so they never touch the host's network
 * @param commandTimeout how long one {@code ip}/{@code iptables} command may take before it is killed
 */
public record NetworkConfig(
        String bridgeName,
        String bridgeAddress,
        String subnet,
        Path stateDir,
        String tapPrefix,
        Optional<String> tapUser,
        Optional<String> tapGroup,
        boolean allowPeers,
        Optional<String> namespace,
        Duration commandTimeout) {

    /** fireclaw's BRIDGE_NAME, as its scripts spell it. */
    public static final String DEFAULT_BRIDGE = "fc-br0";
    /** fireclaw's BRIDGE_ADDR. */
    public static final String DEFAULT_BRIDGE_ADDRESS = "172.16.0.1/24";
    /** fireclaw's SUBNET_CIDR. */
    public static final String DEFAULT_SUBNET = "172.16.0.0/24";
    /** Hearth's STATE_ROOT when the environment names none. */
    public static final Path DEFAULT_STATE_ROOT = Path.of("/var/lib/hearth");

    private static final String LINK_NAME = "[a-zA-Z0-9_.-]{1,15}";
    private static final String ACCOUNT = "[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}";

    public NetworkConfig {
        if (bridgeName == null || !bridgeName.matches(LINK_NAME)) {
            throw new InvalidInputException("BRIDGE_NAME", bridgeName,
                    "a network interface name: 1..15 characters of [a-zA-Z0-9_.-], such as " + DEFAULT_BRIDGE);
        }
        Ipv4Cidr net = Ipv4Cidr.parse(subnet).orElseThrow(() -> new InvalidInputException("SUBNET_CIDR", subnet,
                "an IPv4 /24 network such as " + DEFAULT_SUBNET));
        if (net.prefixLength() != 24 || !net.isNetworkAddress()) {
            throw new InvalidInputException("SUBNET_CIDR", subnet, "an IPv4 /24 network with its last octet 0, such as "
                    + DEFAULT_SUBNET + " (Hearth allocates guest addresses by last octet)");
        }
        Ipv4Cidr bridge = Ipv4Cidr.parse(bridgeAddress).orElseThrow(() -> new InvalidInputException("BRIDGE_ADDR",
                bridgeAddress, "an IPv4 address with its prefix inside SUBNET_CIDR, such as " + DEFAULT_BRIDGE_ADDRESS));
        if (bridge.prefixLength() != 24 || !net.contains(bridge.address()) || bridge.address() == net.network()
                || bridge.address() == net.broadcast()) {
            throw new InvalidInputException("BRIDGE_ADDR", bridgeAddress, "a host address inside SUBNET_CIDR " + subnet
                    + " with the same /24 prefix, neither its network nor its broadcast address, such as "
                    + Ipv4Cidr.dotted(net.host(1)) + "/24");
        }
        Objects.requireNonNull(stateDir, "stateDir");
        if (tapPrefix == null || !tapPrefix.matches("[a-z][a-z0-9]{0,3}")) {
            throw new InvalidInputException("TAP prefix", tapPrefix, "1..4 characters of [a-z0-9], starting with a letter");
        }
        Objects.requireNonNull(tapUser, "tapUser");
        Objects.requireNonNull(tapGroup, "tapGroup");
        tapUser.filter(u -> !u.matches(ACCOUNT)).ifPresent(u -> {
            throw new InvalidInputException("VM_TAP_USER", u, "a user name or numeric uid");
        });
        tapGroup.filter(g -> !g.matches(ACCOUNT)).ifPresent(g -> {
            throw new InvalidInputException("VM_TAP_GROUP", g, "a group name or numeric gid");
        });
        Objects.requireNonNull(namespace, "namespace");
        namespace.filter(n -> !n.matches("[a-zA-Z0-9_.-]{1,64}")).ifPresent(n -> {
            throw new InvalidInputException("network namespace", n, "1..64 characters of [a-zA-Z0-9_.-]");
        });
        if (commandTimeout == null || commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new InvalidInputException("command timeout", String.valueOf(commandTimeout), "a positive duration");
        }
    }

    /** fireclaw's defaults, the state under {@value #DEFAULT_STATE_ROOT}/net, ports isolated, the current namespace. */
    public static NetworkConfig defaults() {
        return new NetworkConfig(DEFAULT_BRIDGE, DEFAULT_BRIDGE_ADDRESS, DEFAULT_SUBNET, DEFAULT_STATE_ROOT.resolve("net"),
                "t", Optional.empty(), Optional.empty(), false, Optional.empty(), Duration.ofSeconds(15));
    }

    /**
     * The defaults overridden by BRIDGE_NAME, BRIDGE_ADDR, SUBNET_CIDR, STATE_ROOT (state in its {@code net}
     * folder), VM_TAP_USER, VM_TAP_GROUP and VM_ALLOW_PEERS ({@code true|false}) where {@code env} has them.
     *
     * @throws InvalidInputException naming the variable at fault
     */
    public static NetworkConfig fromEnvironment(Map<String, String> env) {
        NetworkConfig d = defaults();
        String peers = env.getOrDefault("VM_ALLOW_PEERS", "false");
        if (!peers.equals("true") && !peers.equals("false")) {
            throw new InvalidInputException("VM_ALLOW_PEERS", peers, "true or false");
        }
        Path stateRoot = Optional.ofNullable(env.get("STATE_ROOT")).map(Path::of).orElse(DEFAULT_STATE_ROOT);
        return new NetworkConfig(env.getOrDefault("BRIDGE_NAME", d.bridgeName()),
                env.getOrDefault("BRIDGE_ADDR", d.bridgeAddress()), env.getOrDefault("SUBNET_CIDR", d.subnet()),
                stateRoot.resolve("net"), d.tapPrefix(), Optional.ofNullable(env.get("VM_TAP_USER")),
                Optional.ofNullable(env.get("VM_TAP_GROUP")), Boolean.parseBoolean(peers), d.namespace(),
                d.commandTimeout());
    }

    /** This configuration with its state in {@code dir}. */
    public NetworkConfig withStateDir(Path dir) {
        return new NetworkConfig(bridgeName, bridgeAddress, subnet, dir, tapPrefix, tapUser, tapGroup, allowPeers,
                namespace, commandTimeout);
    }

    /** This configuration with every command run inside network namespace {@code name}. */
    public NetworkConfig inNamespace(String name) {
        return new NetworkConfig(bridgeName, bridgeAddress, subnet, stateDir, tapPrefix, tapUser, tapGroup, allowPeers,
                Optional.of(name), commandTimeout);
    }

    /** This configuration with peers allowed or isolated. */
    public NetworkConfig withAllowPeers(boolean allow) {
        return new NetworkConfig(bridgeName, bridgeAddress, subnet, stateDir, tapPrefix, tapUser, tapGroup, allow,
                namespace, commandTimeout);
    }

    /** The subnet, parsed. */
    Ipv4Cidr subnetCidr() {
        return Ipv4Cidr.parse(subnet).orElseThrow();
    }

    /** The bridge address, parsed. */
    Ipv4Cidr bridgeCidr() {
        return Ipv4Cidr.parse(bridgeAddress).orElseThrow();
    }
}
