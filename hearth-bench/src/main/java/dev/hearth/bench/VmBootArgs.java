// SPDX-License-Identifier: Apache-2.0
package dev.hearth.bench;

import dev.hearth.core.InvalidInputException;
import java.util.List;

/**
 * The options of the {@code vm-boot} and {@code first-command} benchmarks: {@code [--n N]}.
 *
 * @param n boots counted per contender, from 1 to {@link #MAX_N}
 */
public record VmBootArgs(int n) {

    /** Boots counted per contender when {@code --n} is not given. */
    public static final int DEFAULT_N = 10;
    /** The most boots one run may ask for. */
    public static final int MAX_N = 1000;

    private static final String N_FORM = "a whole number of boots from 1 to " + MAX_N + ", e.g. --n 10";

    public VmBootArgs {
        if (n < 1 || n > MAX_N) {
            throw new InvalidInputException("--n", Integer.toString(n), N_FORM);
        }
    }

    /** Parses {@code --n N} or {@code --n=N}; anything else is refused, naming it. */
    public static VmBootArgs parse(List<String> args) {
        return parse("vm-boot", args);
    }

    /** Parses {@code --n N} or {@code --n=N} for {@code benchmark}, which takes only that option. */
    public static VmBootArgs parse(String benchmark, List<String> args) {
        int n = DEFAULT_N;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value;
            if (arg.equals("--n") && i + 1 < args.size()) {
                value = args.get(++i);
            } else if (arg.startsWith("--n=")) {
                value = arg.substring(4);
            } else {
                throw new InvalidInputException(benchmark + " option", arg, "only --n N");
            }
            try {
                n = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new InvalidInputException("--n", value, N_FORM);
            }
        }
        return new VmBootArgs(n);
    }
}
