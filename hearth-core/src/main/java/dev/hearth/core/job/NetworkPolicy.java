// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a sandbox may reach on the network: a mode and, for {@link NetworkMode#NAT}, an optional egress allowlist.
 *
 * <p>An empty allowlist keeps NAT as it always was (the public internet; link-local, private ranges and the host
 * refused by the host's filter). A non-empty one narrows it: only TCP to the listed address:port pairs, and to the
 * addresses the sandbox's DNS forwarder returned for listed names, leaves the sandbox.
 *
 * <p>In JSON a policy is written either as the mode alone ({@code "nat"}, {@code "none"}: the form Hypernode v2.0
 * and older Hearth documents use) or as {@code {"mode": "nat", "allow": ["api.anthropic.com:443"]}}; {@link #json}
 * writes the short form whenever there is no allowlist, so v2.0 peers keep reading it. Immutable, thread-safe.
 *
 * @param mode the network mode
 * @param allow the egress allowlist, at most {@value #MAX_ALLOW} distinct entries, only with {@code nat}
 */
public record NetworkPolicy(NetworkMode mode, List<EgressAllow> allow) {

    /** The most allowlist entries a policy may carry. */
    public static final int MAX_ALLOW = 32;
    /** No network: the default. */
    public static final NetworkPolicy NONE = new NetworkPolicy(NetworkMode.NONE, List.of());
    /** NAT to the public internet, without an allowlist. */
    public static final NetworkPolicy NAT = new NetworkPolicy(NetworkMode.NAT, List.of());

    private static final String FORM = "\"none\", \"nat\" or {\"mode\": \"nat\", \"allow\": [\"HOST:PORT\", ...]}";

    public NetworkPolicy {
        Objects.requireNonNull(mode, "mode");
        allow = List.copyOf(new LinkedHashSet<>(Objects.requireNonNull(allow, "allow")));
        if (!allow.isEmpty() && mode != NetworkMode.NAT) {
            throw new InvalidInputException("network.allow", allow.get(0).text(),
                    "an allowlist only with network mode nat (set network.mode to nat, or drop network.allow)");
        }
        if (allow.size() > MAX_ALLOW) {
            throw new InvalidInputException("network.allow", allow.size() + " entries",
                    "at most " + MAX_ALLOW + " entries; allow a CIDR block instead of many addresses");
        }
    }

    /** The policy of {@code mode} without an allowlist. */
    public static NetworkPolicy of(NetworkMode mode) {
        return mode == NetworkMode.NAT ? NAT : NONE;
    }

    /**
     * A policy from a mode's wire name and written allowlist entries (command-line flags); errors name
     * {@code field} for the mode and {@code allowField} for entries.
     */
    public static NetworkPolicy parse(String field, String mode, String allowField, List<String> allow) {
        NetworkMode m = NetworkMode.parse(field, mode);
        List<EgressAllow> entries = new ArrayList<>();
        for (String a : allow) {
            entries.add(EgressAllow.parse(allowField, a));
        }
        try {
            return new NetworkPolicy(m, entries);
        } catch (InvalidInputException e) {
            throw e.renamed(allowField);
        }
    }

    /**
     * Reads a policy from its JSON value (a string or an object, as Jackson binds it to {@code Object});
     * {@code null} is {@link #NONE}.
     *
     * @throws InvalidInputException naming {@code field} (or {@code field.mode}, {@code field.allow[i]}) and the
     *     accepted form
     */
    public static NetworkPolicy fromJson(String field, Object json) {
        if (json == null) {
            return NONE;
        }
        if (json instanceof String s) {
            return of(NetworkMode.parse(field, s));
        }
        if (!(json instanceof Map<?, ?> map)) {
            throw new InvalidInputException(field, String.valueOf(json), FORM);
        }
        for (Object key : map.keySet()) {
            if (!"mode".equals(key) && !"allow".equals(key)) {
                throw new InvalidInputException(field + "." + key, null, "only mode and allow; " + FORM);
            }
        }
        if (!(map.get("mode") instanceof String modeText)) {
            throw new InvalidInputException(field + ".mode", String.valueOf(map.get("mode")), "\"none\" or \"nat\"");
        }
        NetworkMode mode = NetworkMode.parse(field + ".mode", modeText);
        Object allowJson = map.get("allow");
        List<EgressAllow> entries = new ArrayList<>();
        if (allowJson != null) {
            if (!(allowJson instanceof List<?> list)) {
                throw new InvalidInputException(field + ".allow", String.valueOf(allowJson),
                        "a list of " + EgressAllow.FORM);
            }
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String text)) {
                    throw new InvalidInputException(field + ".allow[" + i + "]", String.valueOf(list.get(i)),
                            EgressAllow.FORM);
                }
                if (i >= MAX_ALLOW) {
                    throw new InvalidInputException(field + ".allow", list.size() + " entries",
                            "at most " + MAX_ALLOW + " entries; allow a CIDR block instead of many addresses");
                }
                entries.add(EgressAllow.parse(field + ".allow[" + i + "]", text));
            }
        }
        try {
            return new NetworkPolicy(mode, entries);
        } catch (InvalidInputException e) {
            throw e.renamed(field + ".allow");
        }
    }

    /**
     * Checks a policy that came from someone other than the node's operator (a job offered over the network): no
     * entry may be an address block overlapping link-local, private, shared, loopback or "this network" ranges.
     *
     * @throws InvalidInputException naming {@code field} and the first such entry
     */
    public void checkFromNetwork(String field) {
        for (EgressAllow a : allow) {
            if (a.opensPrivateRange()) {
                throw new InvalidInputException(field, a.text(), "public addresses or names only: a node never "
                        + "opens its own link-local, private or shared ranges to a job from the network");
            }
        }
    }

    /** The JSON value: the mode's wire name without an allowlist, else {@code {"mode": ..., "allow": [...]}}. */
    public Object json() {
        if (allow.isEmpty()) {
            return mode.wireName();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode.wireName());
        out.put("allow", allow.stream().map(EgressAllow::text).toList());
        return out;
    }

    /** A short description for logs and errors: {@code nat}, or {@code nat allow [a:443, ...]}. */
    @Override
    public String toString() {
        return allow.isEmpty() ? mode.wireName() : mode.wireName() + " allow " + allow;
    }
}
