-- Retention of finished jobs (issue 12): a job final for longer than the coordinator's --retain-finished loses its
-- bulky data (spec, result with logs and receipt, verdict, leases) and keeps a tombstone row here, so the ledger's
-- holds and transfers that name it still reference a job. pruned_at is when that happened; NULL while kept whole.
ALTER TABLE jobs ADD COLUMN pruned_at BIGINT;

-- the sweep's scan: final jobs not yet pruned, oldest first
CREATE INDEX jobs_final_unpruned ON jobs (state, updated_at) WHERE pruned_at IS NULL;
