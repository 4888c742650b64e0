// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the audit trail: an admin action or a refused request.
 *
 * @param id its id
 * @param at when it happened
 * @param actor {@code role:name} of the caller, or {@code anonymous}
 * @param action what was asked, {@code METHOD path}
 * @param outcome {@code allowed} or {@code refused:STATUS}
 * @param detail why, or what was done; never a secret
 */
public record AuditEvent(String id, Instant at, String actor, String action, String outcome, String detail) {

    /** Checks the required fields. */
    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }
}
