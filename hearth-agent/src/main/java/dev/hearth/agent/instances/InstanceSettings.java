// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.InvalidInputException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The host settings of instances, from fireclaw's environment variables, all honoured. Defaults differ from
 * fireclaw's where its defaults need root ({@code /var/lib}, {@code /srv}): Hearth keeps its folders under
 * HEARTH_HOME (default {@code ~/.hearth}), so a non-root user can run the Docker runtime.
 *
 * <table>
 * <tr><th>variable</th><th>Hearth's default</th><th>used for</th></tr>
 * <tr><td>STATE_ROOT</td><td>HEARTH_HOME/instances</td><td>state folder per instance (state, secrets)</td></tr>
 * <tr><td>FC_ROOT</td><td>HEARTH_HOME/vm</td><td>guest disks and VM files per instance (microVMs)</td></tr>
 * <tr><td>BASE_PORT</td><td>18890</td><td>host ports are picked above it</td></tr>
 * <tr><td>BRIDGE_NAME</td><td>fc-br0</td><td>microVM bridge</td></tr>
 * <tr><td>BRIDGE_ADDR</td><td>172.16.0.1/24</td><td>the bridge's address, the guests' gateway</td></tr>
 * <tr><td>SUBNET_CIDR</td><td>172.16.0.0/24</td><td>the guest IP pool (microVMs)</td></tr>
 * <tr><td>SSH_KEY_PATH</td><td>~/.ssh/vmdemo_vm</td><td>accepted for compatibility; Hearth provisions without SSH</td></tr>
 * <tr><td>BASE_IMAGES_DIR</td><td>HEARTH_HOME/images</td><td>vmlinux, rootfs.ext4, initrd.img (microVMs)</td></tr>
 * </table>
 *
 * @param stateRoot STATE_ROOT
 * @param fcRoot FC_ROOT
 * @param basePort BASE_PORT
 * @param bridgeName BRIDGE_NAME
 * @param bridgeAddr BRIDGE_ADDR
 * @param subnetCidr SUBNET_CIDR
 * @param sshKeyPath SSH_KEY_PATH
 * @param baseImagesDir BASE_IMAGES_DIR
 */
public record InstanceSettings(Path stateRoot, Path fcRoot, int basePort, String bridgeName, String bridgeAddr,
        String subnetCidr, Path sshKeyPath, Path baseImagesDir) {

    public static final int DEFAULT_BASE_PORT = 18890;

    /**
     * Reads the settings from {@code env}, with defaults under {@code hearthHome}.
     *
     * @throws InvalidInputException naming the variable whose value is malformed
     */
    public static InstanceSettings from(Map<String, String> env, Path hearthHome) {
        String home = System.getProperty("user.home");
        int basePort = DEFAULT_BASE_PORT;
        String bp = value(env, "BASE_PORT");
        if (bp != null) {
            try {
                basePort = Integer.parseInt(bp);
            } catch (NumberFormatException e) {
                basePort = -1;
            }
            if (basePort < 1 || basePort > 65535) {
                throw new InvalidInputException("BASE_PORT", bp, "a port within 1..65535");
            }
        }
        String subnet = orDefault(env, "SUBNET_CIDR", "172.16.0.0/24");
        IpPool.parseSubnet(subnet);
        String bridgeAddr = orDefault(env, "BRIDGE_ADDR", "172.16.0.1/24");
        if (!bridgeAddr.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
            throw new InvalidInputException("BRIDGE_ADDR", bridgeAddr, "an address with prefix, such as 172.16.0.1/24");
        }
        String bridge = orDefault(env, "BRIDGE_NAME", "fc-br0");
        if (!bridge.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new InvalidInputException("BRIDGE_NAME", bridge, "an interface name of at most 15 characters");
        }
        return new InstanceSettings(
                Path.of(orDefault(env, "STATE_ROOT", hearthHome.resolve("instances").toString())),
                Path.of(orDefault(env, "FC_ROOT", hearthHome.resolve("vm").toString())),
                basePort, bridge, bridgeAddr, subnet,
                Path.of(orDefault(env, "SSH_KEY_PATH", home + "/.ssh/vmdemo_vm")),
                Path.of(orDefault(env, "BASE_IMAGES_DIR", hearthHome.resolve("images").toString())));
    }

    /** The guests' gateway address (BRIDGE_ADDR without its prefix), never handed to a guest. */
    public String gatewayAddress() {
        return bridgeAddr.substring(0, bridgeAddr.indexOf('/'));
    }

    private static String value(Map<String, String> env, String key) {
        String v = env.get(key);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String orDefault(Map<String, String> env, String key, String fallback) {
        String v = value(env, key);
        return v == null ? fallback : v;
    }
}
