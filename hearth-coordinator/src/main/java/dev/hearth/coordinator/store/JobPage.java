// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * One page of jobs, newest first, and the cursor of the next page.
 *
 * @param jobs the jobs, newest submitted first (ties by id, descending)
 * @param next where the next page starts, when there are more jobs; opaque to callers
 */
public record JobPage(List<JobRecord> jobs, Optional<String> next) {

    /** The most jobs one page holds. */
    public static final int MAX_LIMIT = 500;

    public JobPage {
        jobs = List.copyOf(jobs);
    }

    /**
     * Where a page starts: after the job submitted at {@code submittedAt} with id {@code id} (in newest-first order).
     * A cursor names a position, not an index, so jobs submitted meanwhile never shift the pages after it.
     *
     * @param submittedAt the last job's submission time
     * @param id the last job's id
     */
    public record Cursor(Instant submittedAt, String id) {

        /** The cursor as the API shows it. */
        public String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((submittedAt.toEpochMilli() + ":" + id)
                    .getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Reads a cursor a page returned.
         *
         * @throws IllegalArgumentException when the text is not one (it names the field {@code cursor})
         */
        public static Cursor decode(String text) {
            try {
                String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
                int colon = plain.indexOf(':');
                return new Cursor(Instant.ofEpochMilli(Long.parseLong(plain.substring(0, colon))),
                        plain.substring(colon + 1));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("cursor '" + text + "' is invalid: pass the 'next' value of the "
                        + "previous page unchanged", e);
            }
        }
    }
}
