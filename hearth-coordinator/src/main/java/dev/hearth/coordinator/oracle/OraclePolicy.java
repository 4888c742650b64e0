// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.core.InvalidInputException;
import java.util.Locale;
import java.util.Objects;

/**
 * What the oracle demands beyond integrity, chosen by the operator ({@code hearth coordinator --unsigned ...
 * --timing ... --completion ...}).
 *
 * @param unsigned whether a Hypernode v2.0 result, which has no receipt, is accepted (marked unsigned, paid or not)
 *     or refused
 * @param timing when a run's times are plausible
 * @param completion when a run counts as completed
 */
public record OraclePolicy(Unsigned unsigned, TimingPolicy timing, CompletionPolicy completion) {

    /** The defaults: unsigned v2.0 results allowed, lenient timing, exit code 0. */
    public static final OraclePolicy DEFAULTS = new OraclePolicy(Unsigned.ALLOW, TimingPolicy.LENIENT,
            CompletionPolicy.EXIT_ZERO);

    public OraclePolicy {
        Objects.requireNonNull(unsigned, "unsigned");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(completion, "completion");
    }

    /** Whether results without a receipt (only v2.0 agents send those) are accepted, marked unsigned. */
    public enum Unsigned {
        /** Accepted, with the verdict {@code unsigned}, and never paid: their holds go back to the submitter. */
        ALLOW,
        /** Accepted, with the verdict {@code unsigned}, and paid like a signed result that passed. */
        PAY,
        /** Refused: the check {@code unsigned} fails. */
        DENY;

        /**
         * Reads {@code allow}, {@code pay} or {@code deny}.
         *
         * @throws InvalidInputException naming {@code field} otherwise
         */
        public static Unsigned parse(String field, String text) {
            for (Unsigned u : values()) {
                if (u.name().toLowerCase(Locale.ROOT).equals(text == null ? null : text.strip().toLowerCase(Locale.ROOT))) {
                    return u;
                }
            }
            throw new InvalidInputException(field, text, "allow (accepted, unpaid), pay (accepted and paid) or deny");
        }
    }

    /** Reads a policy from its three settings' texts, naming the flag at fault. */
    public static OraclePolicy parse(String unsigned, String timing, String completion) {
        return new OraclePolicy(unsigned == null ? DEFAULTS.unsigned() : Unsigned.parse("--unsigned", unsigned),
                timing == null ? DEFAULTS.timing() : TimingPolicy.parse("--timing", timing),
                completion == null ? DEFAULTS.completion() : CompletionPolicy.parse("--completion", completion));
    }
}
