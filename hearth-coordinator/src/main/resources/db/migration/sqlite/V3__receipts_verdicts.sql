-- Receipts and the oracle's verdicts (issue 4), SQLite dialect.
--
-- 1. A job whose result is in but not yet verified is VERIFYING: not final, held by no lease. SQLite cannot change a
--    CHECK constraint in place, so jobs is rebuilt the way SQLite documents for schema changes (a new table, copy,
--    drop, rename) with foreign keys off; hence this file runs outside Flyway's transaction (see its .conf) and
--    makes its own. PostgreSQL will do the same with ALTER TABLE ... DROP/ADD CONSTRAINT.
-- 2. results gains the verdict and the durable verification queue: a result is written PENDING in the transaction
--    that accepts it, and leaves PENDING only when its verdict is written. Results accepted before this version
--    were never verified: they read as UNSIGNED.

PRAGMA foreign_keys = OFF;

SAVEPOINT v3;  -- a transaction of its own (Flyway's parser takes a bare BEGIN for a trigger body)

CREATE TABLE jobs_v3 (
    id           TEXT    NOT NULL PRIMARY KEY,
    spec_json    TEXT    NOT NULL,
    priority     INTEGER NOT NULL,
    max_retries  INTEGER NOT NULL CHECK (max_retries >= 0),
    attempts     INTEGER NOT NULL CHECK (attempts >= 0),
    state        TEXT    NOT NULL CHECK (state IN ('QUEUED', 'LEASED', 'RUNNING', 'VERIFYING', 'COMPLETED', 'FAILED',
                                                   'CANCELLED', 'UNPLACEABLE')),
    reason       TEXT,
    submitted_at BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    node_id      TEXT    REFERENCES nodes (id),
    epoch        BIGINT  NOT NULL CHECK (epoch >= 0)
);

INSERT INTO jobs_v3 (id, spec_json, priority, max_retries, attempts, state, reason, submitted_at, updated_at, node_id,
                     epoch)
    SELECT id, spec_json, priority, max_retries, attempts, state, reason, submitted_at, updated_at, node_id, epoch
    FROM jobs;

DROP TABLE jobs;

ALTER TABLE jobs_v3 RENAME TO jobs;

CREATE INDEX jobs_queue ON jobs (state, priority, submitted_at);
CREATE INDEX jobs_by_node ON jobs (node_id, state);

ALTER TABLE results ADD COLUMN verdict TEXT NOT NULL DEFAULT 'UNSIGNED'
    CHECK (verdict IN ('PENDING', 'PASSED', 'FAILED', 'UNSIGNED'));
ALTER TABLE results ADD COLUMN receipt_digest TEXT;         -- SHA-256 of the receipt signature, for replay checks
ALTER TABLE results ADD COLUMN failed_check TEXT;           -- the first check that failed
ALTER TABLE results ADD COLUMN verdict_detail TEXT;         -- what it found
ALTER TABLE results ADD COLUMN checks_json TEXT;            -- every check: name, holds/fails/skipped, detail
ALTER TABLE results ADD COLUMN decided_at BIGINT;
ALTER TABLE results ADD COLUMN verify_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN verify_error TEXT;           -- why the last attempt could not decide
ALTER TABLE results ADD COLUMN next_attempt_at BIGINT;      -- when a PENDING result is due (again)
ALTER TABLE results ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;  -- 0 until the verdict listeners have it
ALTER TABLE results ADD COLUMN flagged TEXT;                -- redundancy: why this copy disagrees with the majority

CREATE INDEX results_pending ON results (verdict, next_attempt_at);
CREATE INDEX results_by_receipt ON results (receipt_digest);
CREATE INDEX results_unannounced ON results (announced);

RELEASE v3;

PRAGMA foreign_keys = ON;
