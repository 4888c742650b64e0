-- k-of-n redundant execution (issue 4), PostgreSQL dialect; sqlite/V5 says what the columns mean. A redundant job is
-- a parent row in the new state REDUNDANT and n copy rows pointing at it. PostgreSQL changes the CHECK and adds the
-- columns in place, where SQLite rebuilds the table.

ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('QUEUED', 'LEASED', 'RUNNING', 'VERIFYING',
    'COMPLETED', 'FAILED', 'CANCELLED', 'UNPLACEABLE', 'REDUNDANT'));

ALTER TABLE jobs ADD COLUMN parent_id TEXT REFERENCES jobs (id);
ALTER TABLE jobs ADD COLUMN copy_index INTEGER NOT NULL DEFAULT 0 CHECK (copy_index >= 0);
ALTER TABLE jobs ADD COLUMN copies_n INTEGER NOT NULL DEFAULT 1 CHECK (copies_n BETWEEN 1 AND 9);
ALTER TABLE jobs ADD COLUMN copies_k INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD CHECK (copies_k BETWEEN 1 AND copies_n);
ALTER TABLE jobs ADD CHECK ((parent_id IS NULL) = (copy_index = 0));

CREATE INDEX jobs_by_parent ON jobs (parent_id, copy_index);
