// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import dev.hearth.core.InvalidInputException;
import java.util.Collection;
import java.util.Optional;

/**
 * Guest addresses of a /24 subnet, as fireclaw hands them out: host octets 2..254, skipping the gateway's and every
 * address already recorded. Stateless.
 */
final class IpPool {

    private IpPool() {
    }

    /** The subnet's first three octets ("172.16.0"), or an error naming SUBNET_CIDR when it is not a /24. */
    static String parseSubnet(String cidr) {
        if (cidr == null || !cidr.matches("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.0/24")) {
            throw new InvalidInputException("SUBNET_CIDR", cidr, "a /24 network such as 172.16.0.0/24");
        }
        String prefix = cidr.substring(0, cidr.lastIndexOf(".0/24"));
        for (String octet : prefix.split("\\.")) {
            if (Integer.parseInt(octet) > 255) {
                throw new InvalidInputException("SUBNET_CIDR", cidr, "a /24 network such as 172.16.0.0/24");
            }
        }
        return prefix;
    }

    /** The first free guest address of the subnet, or empty when the pool is exhausted. */
    static Optional<String> first(String cidr, String gateway, Collection<String> taken) {
        String prefix = parseSubnet(cidr);
        for (int octet = 2; octet <= 254; octet++) {
            String ip = prefix + "." + octet;
            if (!ip.equals(gateway) && !taken.contains(ip)) {
                return Optional.of(ip);
            }
        }
        return Optional.empty();
    }
}
