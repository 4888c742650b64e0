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

-- Webhooks (issue 17, events): endpoints a caller registered for job.* and instance.* events, and the durable
-- outbox of deliveries to them (one row per message and endpoint, until the receiver answers 2xx or the attempts run
-- out). secret is the whsec_ signing secret, kept whole: the coordinator signs with it on every attempt.
CREATE TABLE webhook_endpoints (
    id          TEXT    PRIMARY KEY,
    owner       TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE INDEX webhook_endpoints_by_owner ON webhook_endpoints (owner);

CREATE TABLE webhook_deliveries (
    id              TEXT    NOT NULL,
    endpoint_id     TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    delivered_at    BIGINT,
    gave_up_at      BIGINT,
    last_error      TEXT,
    PRIMARY KEY (id, endpoint_id)
);

-- the sender's scan: undelivered messages due now, oldest first
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
