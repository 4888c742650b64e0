-- Receipts and the oracle's verdicts (issue 4), PostgreSQL dialect; sqlite/V3 says what the columns mean.
-- 1. A job whose result is in but not yet verified is VERIFYING. PostgreSQL changes the CHECK in place, where SQLite
--    rebuilds the table. PostgreSQL names an unnamed column CHECK <table>_<column>_check.
-- 2. results gains the verdict and the durable verification queue; results accepted before read as UNSIGNED.

ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('QUEUED', 'LEASED', 'RUNNING', 'VERIFYING',
    'COMPLETED', 'FAILED', 'CANCELLED', 'UNPLACEABLE'));

ALTER TABLE results ADD COLUMN verdict TEXT NOT NULL DEFAULT 'UNSIGNED'
    CHECK (verdict IN ('PENDING', 'PASSED', 'FAILED', 'UNSIGNED'));
ALTER TABLE results ADD COLUMN receipt_digest TEXT;
ALTER TABLE results ADD COLUMN failed_check TEXT;
ALTER TABLE results ADD COLUMN verdict_detail TEXT;
ALTER TABLE results ADD COLUMN checks_json TEXT;
ALTER TABLE results ADD COLUMN decided_at BIGINT;
ALTER TABLE results ADD COLUMN verify_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN verify_error TEXT;
ALTER TABLE results ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE results ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
ALTER TABLE results ADD COLUMN flagged TEXT;

CREATE INDEX results_pending ON results (verdict, next_attempt_at);
CREATE INDEX results_by_receipt ON results (receipt_digest);
CREATE INDEX results_unannounced ON results (announced);
