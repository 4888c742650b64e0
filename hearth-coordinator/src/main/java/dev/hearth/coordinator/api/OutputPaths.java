// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import java.util.Arrays;

/** What a job output's path below /job/out may be, as nodes upload it and clients ask for it. Stateless. */
final class OutputPaths {

    /** The accepted form, for error messages. */
    static final String FORM = "a relative path below /job/out such as result.txt or logs/a.txt: 1 to 1024 "
            + "characters, no leading '/', no empty, '.' or '..' segments, no NUL";

    private OutputPaths() {
    }

    /** Whether {@code path} has the accepted form. */
    static boolean valid(String path) {
        return path != null && !path.isEmpty() && path.length() <= 1024 && !path.startsWith("/")
                && !path.endsWith("/") && !path.contains("\0")
                && Arrays.stream(path.split("/", -1)).noneMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."));
    }
}
