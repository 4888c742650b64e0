-- The ledger: accounts, transfers (double entry), holds of job prices, the settlement webhook's outbox; and what
-- reputation needs beyond the existing tables (revoked leases, online time). Same subset as V1: PostgreSQL takes
-- these statements as they are, except that a transfer's seq there is BIGINT GENERATED ALWAYS AS IDENTITY.
-- Amounts are whole micro-credits in BIGINT; no floating point anywhere.

-- kind: EXTERNAL (the outside payment system: the one account allowed below zero, by exactly what was deposited),
-- ESCROW (job prices held until settled), CLIENT (submitters), NODE (earnings), STAKE (a node's stake).
CREATE TABLE ledger_accounts (
    id         TEXT   NOT NULL PRIMARY KEY,
    kind       TEXT   NOT NULL CHECK (kind IN ('EXTERNAL', 'ESCROW', 'CLIENT', 'NODE', 'STAKE')),
    balance    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (balance >= 0 OR kind = 'EXTERNAL')
);

-- Each transfer is one double entry: it debits from_account and credits to_account by the same positive amount,
-- so every transfer balances by construction and the sum of all balances stays 0. The idempotency key makes a
-- retried operation a no-op; settle:<job> is shared by a job's release and its refund, so a hold can be settled by
-- one transfer only, whatever the writers do.
CREATE TABLE ledger_transfers (
    seq             INTEGER PRIMARY KEY,
    idempotency_key TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL CHECK (kind IN ('DEPOSIT', 'HOLD', 'RELEASE', 'REFUND', 'STAKE')),
    from_account    TEXT    NOT NULL REFERENCES ledger_accounts (id),
    to_account      TEXT    NOT NULL REFERENCES ledger_accounts (id),
    amount          BIGINT  NOT NULL CHECK (amount > 0),
    job_id          TEXT    REFERENCES jobs (id),
    node_id         TEXT    REFERENCES nodes (id),
    created_at      BIGINT  NOT NULL,
    CHECK (from_account <> to_account)
);

CREATE INDEX ledger_transfers_from ON ledger_transfers (from_account, seq);
CREATE INDEX ledger_transfers_to ON ledger_transfers (to_account, seq);
CREATE INDEX ledger_transfers_time ON ledger_transfers (created_at, seq);

-- One hold per job, taken in the submission's transaction (amount 0 for a free job: no transfer then), settled
-- once: HELD until the verdict, then RELEASED to node_id or REFUNDED to account_id.
CREATE TABLE ledger_holds (
    job_id     TEXT   NOT NULL PRIMARY KEY REFERENCES jobs (id),
    account_id TEXT   NOT NULL REFERENCES ledger_accounts (id),
    amount     BIGINT NOT NULL CHECK (amount >= 0),
    state      TEXT   NOT NULL CHECK (state IN ('HELD', 'RELEASED', 'REFUNDED')),
    node_id    TEXT   REFERENCES nodes (id),
    created_at BIGINT NOT NULL,
    settled_at BIGINT,
    CHECK ((state = 'HELD') = (settled_at IS NULL)),
    CHECK (state <> 'RELEASED' OR node_id IS NOT NULL)
);

CREATE INDEX ledger_holds_by_state ON ledger_holds (state, job_id);

-- Released payments waiting for the settlement webhook: written in the release's transaction, so a restart loses
-- none; delivered_at is set on the first 2xx answer.
CREATE TABLE settlement_outbox (
    transfer_seq    BIGINT  NOT NULL PRIMARY KEY REFERENCES ledger_transfers (seq),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at BIGINT  NOT NULL,
    delivered_at    BIGINT,
    last_error      TEXT
);

CREATE INDEX settlement_outbox_due ON settlement_outbox (delivered_at, next_attempt_at);

-- A lease taken from a node that went silent (1), as opposed to one ended by a result or a cancel (0).
ALTER TABLE leases ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;

-- Time a node was heard from: each heartbeat adds the gap since the previous one, up to 60 s (a longer gap means the
-- node was away). Reputation's uptime is this over the node's age.
ALTER TABLE nodes ADD COLUMN online_millis BIGINT NOT NULL DEFAULT 0;
