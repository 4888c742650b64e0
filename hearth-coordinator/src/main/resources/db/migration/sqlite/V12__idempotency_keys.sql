-- Idempotency-Key (issue 17, API hygiene): one row per (client, key) a create request carried. A row is claimed
-- before the request runs (response_status NULL while it runs) and completed with the answer to replay; a request
-- that fails deletes its row, so the key may be retried. fingerprint is the SHA-256 of the operation and body, so
-- the same key with another body is refused. Rows older than the retention are purged.
-- Same PostgreSQL-shared subset as V1.

CREATE TABLE idempotency_keys (
    client          TEXT    NOT NULL,
    idem_key        TEXT    NOT NULL,
    operation       TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    response_location TEXT,
    PRIMARY KEY (client, idem_key)
);

-- the purge's scan: oldest first
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
