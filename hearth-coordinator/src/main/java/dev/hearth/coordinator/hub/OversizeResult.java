// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the first characters of an oversize agent message say, read without parsing the whole (which was never
 * buffered): whether it is a {@code job_result}, of which job, under which epoch. Only top-level fields written
 * before any nested object count, so a job's logs or receipt cannot fake them. Stateless and thread-safe.
 */
final class OversizeResult {

    private static final Pattern TYPE = Pattern.compile("^\\s*\\{\\s*\"type\"\\s*:\\s*\"job_result\"\\s*,");
    private static final Pattern ID = Pattern.compile("^\\s*\\{\\s*\"type\"\\s*:\\s*\"job_result\"\\s*,\\s*"
            + "\"id\"\\s*:\\s*\"([A-Za-z0-9._:-]{1,200})\"");
    private static final Pattern EPOCH = Pattern.compile("\"epoch\"\\s*:\\s*(\\d{1,18})\\s*[,}]");

    private OversizeResult() {
    }

    /** The job id, when the prefix opens a {@code job_result} with {@code id} as its second field. */
    static Optional<String> jobId(String prefix) {
        Matcher m = ID.matcher(prefix);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * The epoch, when it comes before the logs (whose text might hold anything): only when the prefix has no
     * {@code "logs"} key before it.
     */
    static OptionalLong epoch(String prefix) {
        if (!TYPE.matcher(prefix).find()) {
            return OptionalLong.empty();
        }
        Matcher m = EPOCH.matcher(prefix);
        if (!m.find()) {
            return OptionalLong.empty();
        }
        int logs = prefix.indexOf("\"logs\"");
        return logs >= 0 && logs < m.start() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(m.group(1)));
    }
}
