// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.receipt;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A file the job left in its output folder ({@code /job/out}), as a receipt names it.
 *
 * @param path absolute path in the sandbox
 * @param bytes its size
 * @param sha256 SHA-256 of its content, lower-case hex
 */
public record OutputFile(String path, long bytes, String sha256) {

    Map<String, Object> canonical() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("bytes", bytes);
        m.put("sha256", sha256);
        return m;
    }
}
