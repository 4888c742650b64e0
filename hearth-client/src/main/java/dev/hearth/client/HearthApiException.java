// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The coordinator refused a call: its RFC 9457 problem document ({@code application/problem+json}) as fields, so
 * code can branch on the stable {@link #code()} ({@code invalid_input}, {@code unknown_job}, {@code quota_exceeded},
 * ...) and show the {@link #field()} at fault. A body that is not a problem document still gives the status, with
 * the code {@code http_<status>} and the body's first 200 characters as the detail. Immutable.
 */
public final class HearthApiException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String field;
    private final String detail;
    private final String operation;
    private final Duration retryAfter;

    /**
     * A refusal.
     *
     * @param operation the call, {@code "POST /v1/jobs"}
     * @param status the HTTP status
     * @param code the problem's stable code
     * @param field the input at fault, or null
     * @param detail what was wrong and what is accepted, or null
     * @param retryAfter the {@code Retry-After} the coordinator asked for, or null
     */
    public HearthApiException(String operation, int status, String code, String field, String detail,
            Duration retryAfter) {
        super(operation + " failed (" + status + " " + code + (field == null ? "" : ", field " + field) + ")"
                + (detail == null ? "" : ": " + detail));
        this.operation = operation;
        this.status = status;
        this.code = code;
        this.field = field;
        this.detail = detail;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status, 400 to 599. */
    public int status() {
        return status;
    }

    /** The stable problem code ({@code invalid_input}), or {@code http_<status>} when the body had none. */
    public String code() {
        return code;
    }

    /** The input at fault ({@code memory}, {@code files[2].path}, {@code Idempotency-Key}), when the problem names one. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** What was wrong and what is accepted, as the coordinator wrote it. */
    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }

    /** The call that was refused, {@code "GET /v1/jobs/7f0c…"}. */
    public String operation() {
        return operation;
    }

    /** How long the coordinator asked the caller to wait before trying again ({@code Retry-After}), if it did. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
