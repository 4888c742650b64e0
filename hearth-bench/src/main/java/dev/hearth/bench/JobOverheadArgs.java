// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.core.InvalidInputException;
import java.util.List;

/**
 * The options of the {@code job-overhead} benchmark: {@code [--n N]}.
 *
 * @param n rounds counted, each one Hearth job and one bare {@code docker run}; from 1 to {@link #MAX_N}
 */
public record JobOverheadArgs(int n) {

    /** Rounds counted when {@code --n} is not given. */
    public static final int DEFAULT_N = 20;
    /** The most rounds one run may ask for. */
    public static final int MAX_N = 10_000;

    private static final String N_FORM = "a whole number of rounds from 1 to " + MAX_N + ", e.g. --n 20";

    public JobOverheadArgs {
        if (n < 1 || n > MAX_N) {
            throw new InvalidInputException("--n", Integer.toString(n), N_FORM);
        }
    }

    /**
     * Parses the arguments that follow the benchmark's name: {@code --n N} or {@code --n=N}.
     *
     * @throws InvalidInputException naming the flag and the accepted form when an argument is unknown or bad
     */
    public static JobOverheadArgs parse(List<String> args) {
        int n = DEFAULT_N;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value;
            if (arg.equals("--n")) {
                if (i + 1 >= args.size()) {
                    throw new InvalidInputException("--n", null, N_FORM);
                }
                value = args.get(++i);
            } else if (arg.startsWith("--n=")) {
                value = arg.substring("--n=".length());
            } else {
                throw new InvalidInputException("job-overhead option", arg, "only --n N");
            }
            n = parseN(value);
        }
        return new JobOverheadArgs(n);
    }

    private static int parseN(String value) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--n", value, N_FORM);
        }
        if (n < 1 || n > MAX_N) {
            throw new InvalidInputException("--n", value, N_FORM);
        }
        return n;
    }
}
