-- Hostile nodes (issue 12), PostgreSQL dialect, the same statements as SQLite's: leases get a deadline, expiries
-- are counted, nodes can be cordoned.
--
-- deadline_at: when a live lease is revoked if no result came (the job's timeout plus the operator's grace); NULL for
-- leases granted before V6 (they never expire). expired: the lease was revoked at its deadline (it counts as lost in
-- the node's reputation too). cordon_reason: set while the scheduler gives the node no new jobs. expiries_cleared_at:
-- expiries ended at or before it no longer count toward an automatic cordon (set when an admin uncordons). limits:
-- the capacity limits an admin set for the node through the API, as slots,nanoCpus,memoryBytes,gpus; NULL for none.

ALTER TABLE leases ADD COLUMN deadline_at BIGINT;
ALTER TABLE leases ADD COLUMN expired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN cordon_reason TEXT;
ALTER TABLE nodes ADD COLUMN expiries_cleared_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN limits TEXT;

CREATE INDEX leases_by_deadline ON leases (deadline_at);
