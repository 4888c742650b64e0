// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** The {@code blobs} and {@code job_blobs} tables' statements. */
final class BlobTable {

    /** A job that may still run: its blobs stay. */
    private static final String UNFINISHED = "('QUEUED', 'LEASED', 'RUNNING', 'UNPLACEABLE')";

    private BlobTable() {
    }

    static boolean add(Connection c, String owner, String digest, long size, Instant now) throws SQLException {
        if (update(c, "UPDATE blobs SET touched_at = ? WHERE owner = ? AND digest = ?", now, owner, digest) > 0) {
            return false;
        }
        update(c, "INSERT INTO blobs (owner, digest, size, created_at, touched_at) VALUES (?, ?, ?, ?, ?)", owner,
                digest, size, now, now);
        return true;
    }

    static OptionalLong size(Connection c, String owner, String digest) throws SQLException {
        return queryOne(c, "SELECT size FROM blobs WHERE owner = ? AND digest = ?", rs -> rs.getLong("size"), owner,
                digest).map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    static long storedBytes(Connection c, String owner) throws SQLException {
        return queryOne(c, "SELECT COALESCE((SELECT SUM(size) FROM blobs WHERE owner = ?), 0) "
                + "+ COALESCE((SELECT SUM(size) FROM job_outputs WHERE owner = ?), 0) AS total",
                rs -> rs.getLong("total"), owner, owner).orElse(0L);
    }

    static void reference(Connection c, String jobId, Iterable<String> digests, Instant now) throws SQLException {
        for (String d : digests) {
            update(c, "INSERT INTO job_blobs (job_id, digest, created_at) SELECT ?, ?, ? WHERE NOT EXISTS "
                    + "(SELECT 1 FROM job_blobs WHERE job_id = ? AND digest = ?)", jobId, d, now, jobId, d);
            update(c, "UPDATE blobs SET touched_at = ? WHERE digest = ?", now, d);
        }
    }

    static boolean referenced(Connection c, String jobId, String digest) throws SQLException {
        return queryOne(c, "SELECT 1 AS one FROM job_blobs WHERE job_id = ? AND digest = ?", rs -> 1, jobId, digest)
                .isPresent();
    }

    static List<String> expire(Connection c, Instant cutoff) throws SQLException {
        // a reference whose job ended keeps nothing; nor one whose job never got stored, once it is old (a newer
        // one may be a submit whose job row is being written)
        update(c, "DELETE FROM job_blobs WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = job_blobs.job_id "
                + "AND j.state NOT IN " + UNFINISHED + ") OR (created_at < ? AND NOT EXISTS "
                + "(SELECT 1 FROM jobs j WHERE j.id = job_blobs.job_id))", cutoff);
        List<String> old = query(c, "SELECT DISTINCT digest FROM blobs WHERE touched_at < ? AND digest NOT IN "
                + "(SELECT digest FROM job_blobs)", rs -> rs.getString("digest"), cutoff);
        List<String> outputs = query(c, "SELECT DISTINCT sha256 FROM job_outputs WHERE NOT EXISTS (SELECT 1 FROM jobs j "
                + "WHERE j.id = job_outputs.job_id AND j.pruned_at IS NULL)", rs -> "sha256:" + rs.getString("sha256"));
        update(c, "DELETE FROM job_outputs WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = job_outputs.job_id "
                + "AND j.pruned_at IS NULL)");
        List<String> gone = new ArrayList<>();
        for (String d : outputs) {
            if (!held(c, d)) {
                gone.add(d);
            }
        }
        for (String d : old) {
            update(c, "DELETE FROM blobs WHERE digest = ? AND touched_at < ?", d, cutoff);
            if (!held(c, d)) {
                gone.add(d);
            }
        }
        return gone;
    }

    static boolean held(Connection c, String digest) throws SQLException {
        return !query(c, "SELECT 1 AS one FROM blobs WHERE digest = ? LIMIT 1", rs -> 1, digest).isEmpty()
                || !query(c, "SELECT 1 AS one FROM job_outputs WHERE sha256 = ? LIMIT 1", rs -> 1,
                        digest.substring("sha256:".length())).isEmpty();
    }

    static void addOutput(Connection c, dev.hearth.coordinator.store.Blobs.Output o, Instant now)
            throws SQLException {
        update(c, "DELETE FROM job_outputs WHERE job_id = ? AND epoch = ? AND path = ?", o.jobId(), o.epoch(),
                o.path());
        update(c, "INSERT INTO job_outputs (job_id, epoch, path, sha256, size, owner, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?)", o.jobId(), o.epoch(), o.path(), o.sha256(), o.size(), o.owner(), now);
    }

    static List<dev.hearth.coordinator.store.Blobs.Output> outputs(Connection c, String jobId, long epoch)
            throws SQLException {
        return query(c, "SELECT job_id, epoch, path, sha256, size, owner FROM job_outputs WHERE job_id = ? "
                + "AND epoch = ? ORDER BY path", rs -> new dev.hearth.coordinator.store.Blobs.Output(
                        rs.getString("job_id"), rs.getLong("epoch"), rs.getString("path"), rs.getString("sha256"),
                        rs.getLong("size"), rs.getString("owner")), jobId, epoch);
    }
}
