-- The GPU indexes a lease was given on its node (comma-separated, empty for none), so placement knows which GPUs
-- are busy across coordinator restarts. Same statement in PostgreSQL.
ALTER TABLE leases ADD COLUMN gpu_indexes TEXT NOT NULL DEFAULT '';
