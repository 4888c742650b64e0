// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.trace;

import java.util.HexFormat;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context {@code traceparent} (https://www.w3.org/TR/trace-context/): {@code 00-TRACEID-SPANID-FLAGS},
 * the trace id 32 lowercase hex digits, the span id 16, neither all zeros. One job keeps one trace id from its
 * submit through its offer, the agent's run, its result and its verdict, so its whole story is found by that id.
 *
 * @param traceId 32 lowercase hex digits, not all zero
 * @param spanId 16 lowercase hex digits, not all zero
 * @param flags 2 lowercase hex digits ({@code 01}: sampled)
 */
public record Traceparent(String traceId, String spanId, String flags) {

    private static final Pattern FORM = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final HexFormat HEX = HexFormat.of();

    /** Checks the form; a value from a peer goes through {@link #parse} instead. */
    public Traceparent {
        if (traceId == null || !traceId.matches("[0-9a-f]{32}") || traceId.matches("0+")) {
            throw new IllegalArgumentException("traceparent trace id '" + traceId
                    + "' must be 32 lowercase hex digits, not all zero");
        }
        if (spanId == null || !spanId.matches("[0-9a-f]{16}") || spanId.matches("0+")) {
            throw new IllegalArgumentException("traceparent span id '" + spanId
                    + "' must be 16 lowercase hex digits, not all zero");
        }
        if (flags == null || !flags.matches("[0-9a-f]{2}")) {
            throw new IllegalArgumentException("traceparent flags '" + flags + "' must be 2 lowercase hex digits");
        }
    }

    /**
     * Reads a header or protocol field; empty when absent or malformed (the W3C rule: a receiver that cannot parse
     * it starts a new trace rather than failing the request). Version {@code ff} is invalid; a later version's extra
     * fields are ignored.
     */
    public static Optional<Traceparent> parse(String text) {
        if (text == null || text.length() > 512) {
            return Optional.empty();
        }
        var m = FORM.matcher(text.strip());
        if (!m.matches() || "ff".equals(m.group(1)) || ("00".equals(m.group(1)) && m.group(5) != null)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Traceparent(m.group(2), m.group(3), m.group(4)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A new trace, sampled. */
    public static Traceparent newTrace(RandomGenerator random) {
        return new Traceparent(hex(random, 16), hex(random, 8), "01");
    }

    /** The same trace with a new span id: what one hop (the coordinator, an agent) passes on. */
    public Traceparent child(RandomGenerator random) {
        return new Traceparent(traceId, hex(random, 8), flags);
    }

    private static String hex(RandomGenerator random, int bytes) {
        byte[] b = new byte[bytes];
        String h;
        do {
            random.nextBytes(b);
            h = HEX.formatHex(b);
        } while (h.matches("0+"));
        return h;
    }

    /** The header form, {@code 00-TRACEID-SPANID-FLAGS}. */
    @Override
    public String toString() {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }
}
