// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import java.util.Optional;

/**
 * An IPv4 address with a prefix length, as {@code ip} and fireclaw's variables write it ({@code 172.16.0.1/24}).
 * The address part is kept as written, so the same type holds a subnet ({@code 172.16.0.0/24}) and an interface
 * address ({@code 172.16.0.1/24}).
 *
 * @param address the 32-bit address, as an unsigned value in an int
 * @param prefixLength 0..32
 */
record Ipv4Cidr(int address, int prefixLength) {

    Ipv4Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be within 0..32, got " + prefixLength);
        }
    }

    /**
     * Parses {@code a.b.c.d/n}, or a bare {@code a.b.c.d} as a /32 (how {@code ip route} writes a host route).
     *
     * @return empty when the text is not of that form
     */
    static Optional<Ipv4Cidr> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] parts = text.split("/", -1);
        if (parts.length > 2) {
            return Optional.empty();
        }
        Optional<Integer> address = parseAddress(parts[0]);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        int prefix = 32;
        if (parts.length == 2) {
            if (!parts[1].matches("[0-9]{1,2}") || Integer.parseInt(parts[1]) > 32) {
                return Optional.empty();
            }
            prefix = Integer.parseInt(parts[1]);
        }
        return Optional.of(new Ipv4Cidr(address.get(), prefix));
    }

    /** Parses a dotted quad; empty when it is not one. */
    static Optional<Integer> parseAddress(String text) {
        String[] octets = text.split("\\.", -1);
        if (octets.length != 4) {
            return Optional.empty();
        }
        int value = 0;
        for (String o : octets) {
            if (!o.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(o) > 255) {
                return Optional.empty();
            }
            value = (value << 8) | Integer.parseInt(o);
        }
        return Optional.of(value);
    }

    /** The mask of this prefix length. */
    int mask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** The network address (host bits cleared). */
    int network() {
        return address & mask();
    }

    /** The broadcast address (host bits set). */
    int broadcast() {
        return network() | ~mask();
    }

    /** Whether the address part is the network address itself, as a subnet is written. */
    boolean isNetworkAddress() {
        return address == network();
    }

    /** Whether {@code other} lies within this prefix. */
    boolean contains(int other) {
        return (other & mask()) == network();
    }

    /** Whether the two prefixes share any address. */
    boolean overlaps(Ipv4Cidr other) {
        int shorter = Math.min(prefixLength, other.prefixLength);
        int mask = shorter == 0 ? 0 : -1 << (32 - shorter);
        return (address & mask) == (other.address & mask);
    }

    /** The address of host {@code hostPart} within this network (for a /24, the last octet). */
    int host(int hostPart) {
        return network() | hostPart;
    }

    /** The dotted quad of {@code address}. */
    static String dotted(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }

    @Override
    public String toString() {
        return dotted(address) + "/" + prefixLength;
    }
}
