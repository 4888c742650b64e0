// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.coordinator.store.Check;
import dev.hearth.core.InvalidInputException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** When a run counts as completed, and so may be credited. */
public enum CompletionPolicy {

    /** The default: status {@code completed} and exit code 0. */
    EXIT_ZERO,

    /**
     * The original Hypernode oracle's rule: the logs, lower-cased, contain one of its completion markers
     * ({@link #MARKERS_LIST}), whatever the exit code.
     */
    MARKERS;

    /** The original's completion markers. */
    static final List<String> MARKERS_LIST = List.of("completed", "finished", "success", "done", "\u2705",
            "exit code 0");

    /** The {@code completion} check of a result. */
    Check judge(String status, long exitCode, String logs) {
        return switch (this) {
            case EXIT_ZERO -> Check.of("completion", "completed".equals(status) && exitCode == 0,
                    "status " + status + ", exit code " + exitCode + "; policy exit-zero wants completed with 0");
            case MARKERS -> {
                String lower = logs == null ? "" : logs.toLowerCase(Locale.ROOT);
                String found = MARKERS_LIST.stream().filter(lower::contains).findFirst().orElse(null);
                yield Check.of("completion", found != null, found != null ? "the logs contain the marker '" + found
                        + "' (policy markers)" : "the logs contain none of the markers " + MARKERS_LIST
                        + " (policy markers)");
            }
        };
    }

    /** The setting's text: {@code exit-zero}, {@code markers}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Reads a policy name.
     *
     * @throws InvalidInputException naming {@code field} when it is not one
     */
    public static CompletionPolicy parse(String field, String text) {
        return Arrays.stream(values()).filter(p -> p.wireName().equals(text == null ? null : text.strip()))
                .findFirst().orElseThrow(() -> new InvalidInputException(field, text, "exit-zero or markers"));
    }
}
