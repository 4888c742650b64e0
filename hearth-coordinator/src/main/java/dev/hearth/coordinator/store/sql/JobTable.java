// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.Cancellation;
import dev.hearth.coordinator.store.JobPage;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.core.job.Redundancy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The job queue. Every change of state is a conditional update on the state (and epoch) it was read in, so it
 * stays right under a dialect that lets writers run side by side.
 */
final class JobTable {

    static final String COLUMNS = "id, spec_json, priority, max_retries, attempts, state, reason, submitted_at, "
            + "updated_at, node_id, epoch, parent_id, copy_index, copies_n, copies_k";

    private JobTable() {
    }

    static JobRecord submit(Connection c, String id, String specJson, int priority, int maxRetries, Instant now)
            throws SQLException {
        Optional<JobRecord> existing = byId(c, id);
        if (existing.isPresent()) {
            throw new IllegalStateException("job " + id + " already exists (state " + existing.get().state()
                    + ", submitted " + existing.get().submittedAt() + "); job ids are unique");
        }
        JobRecord job = new JobRecord(id, specJson, priority, maxRetries, 0, JobState.QUEUED, null, now, now, null, 0);
        update(c, "INSERT INTO jobs (" + COLUMNS + ") VALUES (?, ?, ?, ?, 0, ?, NULL, ?, ?, NULL, 0, NULL, 0, 1, 1)",
                id, specJson, priority, maxRetries, JobState.QUEUED, now, now);
        return job;
    }

    /** Inserts a k-of-n job: the parent (never placed) and its n queued copies. */
    static JobRecord submitRedundant(Connection c, String id, String specJson, int priority, int maxRetries,
            Redundancy redundancy, Instant now) throws SQLException {
        submit(c, id, specJson, priority, maxRetries, now); // refuses an existing id
        update(c, "UPDATE jobs SET state = 'REDUNDANT', copies_n = ?, copies_k = ? WHERE id = ?", redundancy.n(),
                redundancy.k(), id);
        for (int i = 1; i <= redundancy.n(); i++) {
            String copy = JobRecord.copyId(id, i);
            submit(c, copy, specJson, priority, maxRetries, now);
            update(c, "UPDATE jobs SET parent_id = ?, copy_index = ? WHERE id = ?", id, i, copy);
        }
        return byId(c, id).orElseThrow();
    }

    static List<JobRecord> copies(Connection c, String parentId) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM jobs WHERE parent_id = ? ORDER BY copy_index", JobTable::job,
                parentId);
    }

    /** Every node that was ever granted a lease of a copy of {@code parentId}. */
    static List<String> nodesOfCopies(Connection c, String parentId) throws SQLException {
        return query(c, "SELECT DISTINCT l.node_id FROM leases l JOIN jobs j ON j.id = l.job_id "
                + "WHERE j.parent_id = ? ORDER BY l.node_id", rs -> rs.getString(1), parentId);
    }

    static Optional<JobRecord> byId(Connection c, String id) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM jobs WHERE id = ?", JobTable::job, id);
    }

    /** Rows read per statement by {@link #byIds}: far below SQLite's limit of bound parameters. */
    private static final int IDS_PER_QUERY = 500;

    static List<JobRecord> byIds(Connection c, java.util.Collection<String> ids) throws SQLException {
        List<String> all = List.copyOf(ids);
        List<JobRecord> found = new java.util.ArrayList<>();
        for (int from = 0; from < all.size(); from += IDS_PER_QUERY) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + IDS_PER_QUERY));
            found.addAll(query(c, "SELECT " + COLUMNS + " FROM jobs WHERE id IN ("
                    + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ")", JobTable::job,
                    chunk.toArray()));
        }
        return found;
    }

    static List<JobRecord> list(Connection c, Optional<JobState> state) throws SQLException {
        return state.isPresent()
                ? query(c, "SELECT " + COLUMNS + " FROM jobs WHERE state = ? ORDER BY submitted_at, id",
                        JobTable::job, state.get())
                : query(c, "SELECT " + COLUMNS + " FROM jobs ORDER BY submitted_at, id", JobTable::job);
    }

    /** Who owns a job, in SQL over {@code jobs}: the account its price is held from, {@code client:default} if none. */
    private static final String OWNER = "COALESCE((SELECT h.account_id FROM ledger_holds h WHERE h.job_id = jobs.id), "
            + "'client:default')";

    /** The jobs owned by {@code account} in {@code states}, oldest first, in one query. */
    static List<JobRecord> ownedBy(Connection c, String account, Set<JobState> states) throws SQLException {
        if (states.isEmpty()) {
            return List.of();
        }
        List<Object> params = new ArrayList<>(states);
        params.add(account);
        return query(c, "SELECT " + COLUMNS + " FROM jobs WHERE state IN (" + String.join(", ",
                java.util.Collections.nCopies(states.size(), "?")) + ") AND " + OWNER + " = ? "
                + "ORDER BY submitted_at, id", JobTable::job, params.toArray());
    }

    static JobPage page(Connection c, Optional<String> owner, Optional<JobState> state,
            Optional<JobPage.Cursor> after, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        owner.ifPresent(o -> {
            sql.append(" AND " + OWNER + " = ?");
            params.add(o);
        });
        state.ifPresent(s -> {
            sql.append(" AND state = ?");
            params.add(s);
        });
        after.ifPresent(a -> {
            sql.append(" AND (submitted_at < ? OR (submitted_at = ? AND id < ?))");
            params.addAll(List.of(a.submittedAt(), a.submittedAt(), a.id()));
        });
        sql.append(" ORDER BY submitted_at DESC, id DESC LIMIT ?");
        params.add(limit + 1);
        List<JobRecord> rows = query(c, sql.toString(), JobTable::job, params.toArray());
        if (rows.size() <= limit) {
            return new JobPage(rows, Optional.empty());
        }
        JobRecord last = rows.get(limit - 1);
        return new JobPage(rows.subList(0, limit),
                Optional.of(new JobPage.Cursor(last.submittedAt(), last.id()).encode()));
    }

    static Map<JobState, Long> counts(Connection c) throws SQLException {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(s, 0L);
        }
        query(c, "SELECT state, COUNT(*) FROM jobs GROUP BY state", rs -> counts.put(JobState.valueOf(rs.getString(1)),
                rs.getLong(2)));
        return counts;
    }

    static List<JobRecord> queued(Connection c) throws SQLException {
        // The id breaks ties between jobs submitted in the same millisecond, so the order is stable.
        return query(c, "SELECT " + COLUMNS + " FROM jobs WHERE state = 'QUEUED' "
                + "ORDER BY priority DESC, submitted_at ASC, id ASC", JobTable::job);
    }

    static boolean setReason(Connection c, String id, String reason, Instant now) throws SQLException {
        return update(c, "UPDATE jobs SET reason = ?, updated_at = ? WHERE id = ?", reason, now, id) == 1;
    }

    static boolean move(Connection c, String id, JobState from, JobState to, String reason, Instant now)
            throws SQLException {
        return update(c, "UPDATE jobs SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state = ?",
                to, reason, now, id, from) == 1;
    }

    static Cancellation cancel(Connection c, String id, Instant now) throws SQLException {
        Optional<JobRecord> found = byId(c, id);
        if (found.isEmpty()) {
            return new Cancellation.UnknownJob();
        }
        JobRecord job = found.get();
        if (job.state().isEnded()) {
            // a verifying job's run is over: its result stands or falls by the verdict, not by a cancel
            return new Cancellation.AlreadyFinal(job.state());
        }
        int changed = update(c, "UPDATE jobs SET state = 'CANCELLED', reason = 'cancelled', updated_at = ? "
                + "WHERE id = ? AND state = ? AND epoch = ?", now, id, job.state(), job.epoch());
        if (changed == 0) {
            // It changed between our read and write (only possible without a single writer): decide again.
            return cancel(c, id, now);
        }
        if (job.state().isHeld()) {
            LeaseTable.end(c, id, job.epoch(), "cancelled", now);
            return new Cancellation.Cancelled(job.state(), Optional.of(job.nodeId()));
        }
        return new Cancellation.Cancelled(job.state(), Optional.empty());
    }

    static JobRecord job(ResultSet rs) throws SQLException {
        return new JobRecord(rs.getString("id"), rs.getString("spec_json"), rs.getInt("priority"),
                rs.getInt("max_retries"), rs.getInt("attempts"), JobState.valueOf(rs.getString("state")),
                rs.getString("reason"), Rows.instant(rs, "submitted_at"), Rows.instant(rs, "updated_at"),
                rs.getString("node_id"), rs.getLong("epoch"), rs.getString("parent_id"), rs.getInt("copy_index"),
                new Redundancy(rs.getInt("copies_n"), rs.getInt("copies_k")));
    }
}
