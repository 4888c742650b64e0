-- k-of-n redundant execution (issue 4), SQLite dialect.
--
-- A redundant job is a parent row in the new state REDUNDANT, never placed itself, and n copy rows (ordinary jobs
-- with their own leases, epochs, results and verdicts) that point at it with parent_id and copy_index. The parent
-- keeps n and k. SQLite cannot change a CHECK constraint in place, so jobs is rebuilt as in V3 (a new table, copy,
-- drop, rename, with foreign keys off), outside Flyway's transaction (see the .conf) in a transaction of its own.

PRAGMA foreign_keys = OFF;

SAVEPOINT v5;

CREATE TABLE jobs_v5 (
    id           TEXT    NOT NULL PRIMARY KEY,
    spec_json    TEXT    NOT NULL,
    priority     INTEGER NOT NULL,
    max_retries  INTEGER NOT NULL CHECK (max_retries >= 0),
    attempts     INTEGER NOT NULL CHECK (attempts >= 0),
    state        TEXT    NOT NULL CHECK (state IN ('QUEUED', 'LEASED', 'RUNNING', 'VERIFYING', 'COMPLETED', 'FAILED',
                                                   'CANCELLED', 'UNPLACEABLE', 'REDUNDANT')),
    reason       TEXT,
    submitted_at BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    node_id      TEXT    REFERENCES nodes (id),
    epoch        BIGINT  NOT NULL CHECK (epoch >= 0),
    parent_id    TEXT    REFERENCES jobs_v5 (id),
    copy_index   INTEGER NOT NULL DEFAULT 0 CHECK (copy_index >= 0),
    copies_n     INTEGER NOT NULL DEFAULT 1 CHECK (copies_n BETWEEN 1 AND 9),
    copies_k     INTEGER NOT NULL DEFAULT 1 CHECK (copies_k BETWEEN 1 AND copies_n),
    CHECK ((parent_id IS NULL) = (copy_index = 0))
);

INSERT INTO jobs_v5 (id, spec_json, priority, max_retries, attempts, state, reason, submitted_at, updated_at, node_id,
                     epoch)
    SELECT id, spec_json, priority, max_retries, attempts, state, reason, submitted_at, updated_at, node_id, epoch
    FROM jobs;

DROP TABLE jobs;

ALTER TABLE jobs_v5 RENAME TO jobs;

CREATE INDEX jobs_queue ON jobs (state, priority, submitted_at);
CREATE INDEX jobs_by_node ON jobs (node_id, state);
CREATE INDEX jobs_by_parent ON jobs (parent_id, copy_index);

RELEASE v5;

PRAGMA foreign_keys = ON;
