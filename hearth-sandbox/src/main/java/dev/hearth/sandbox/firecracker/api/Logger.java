// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * {@code PUT /logger}: Firecracker's own log (not the guest's console) to a file or named pipe that exists.
 *
 * @param logPath the file as the Firecracker process sees it
 * @param level {@code Error}, {@code Warning}, {@code Info}, {@code Debug}, {@code Trace} or {@code Off}
 * @param showLevel whether each line names its level
 * @param showLogOrigin whether each line names its source file and line
 */
public record Logger(
        @JsonProperty("log_path") String logPath,
        @JsonProperty("level") String level,
        @JsonProperty("show_level") boolean showLevel,
        @JsonProperty("show_log_origin") boolean showLogOrigin) implements FirecrackerRequest {

    public Logger {
        Objects.requireNonNull(logPath, "logPath");
        Objects.requireNonNull(level, "level");
    }

    @Override
    public String method() {
        return "PUT";
    }

    @Override
    public String path() {
        return "/logger";
    }
}
