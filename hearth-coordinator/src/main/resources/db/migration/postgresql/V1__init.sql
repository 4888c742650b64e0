-- Hearth's coordinator schema, PostgreSQL dialect: the same statements as sqlite/V1__init.sql.
--
-- Written in the subset PostgreSQL shares (TEXT, INTEGER, BIGINT, CHECK, UNIQUE, foreign keys, no AUTOINCREMENT,
-- no rowid, no SQLite-only types), so db/migration/postgresql/V1__init.sql can be the same statements.
-- Times are epoch milliseconds in BIGINT: SQLite gives BIGINT integer affinity (64 bits), and PostgreSQL's
-- INTEGER (32 bits) could not hold them.

CREATE TABLE node_tokens (
    id             TEXT   NOT NULL PRIMARY KEY,
    label          TEXT   NOT NULL,
    token_hash     TEXT   NOT NULL UNIQUE,  -- SHA-256 of the token, hex; the token itself is never stored
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT,                  -- applies only while unbound; NULL: never
    bound_node_key TEXT,                    -- set at first use, with bound_node_id
    bound_node_id  TEXT   UNIQUE,
    CHECK ((bound_node_key IS NULL AND bound_node_id IS NULL)
        OR (bound_node_key IS NOT NULL AND bound_node_id IS NOT NULL))
);

CREATE TABLE nodes (
    id               TEXT    NOT NULL PRIMARY KEY,
    public_key       TEXT    NOT NULL,
    hostname         TEXT    NOT NULL,
    os               TEXT    NOT NULL,
    arch             TEXT    NOT NULL,
    cpus             INTEGER NOT NULL,
    memory_bytes     BIGINT  NOT NULL,
    runtimes_json    TEXT    NOT NULL,
    gpus_json        TEXT    NOT NULL,
    agent_version    TEXT    NOT NULL,
    protocol_version TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('ONLINE', 'LOST', 'DRAINING', 'OFFLINE')),
    last_heartbeat   BIGINT  NOT NULL,
    registered_at    BIGINT  NOT NULL
);

CREATE INDEX nodes_by_liveness ON nodes (state, last_heartbeat);

CREATE TABLE jobs (
    id           TEXT    NOT NULL PRIMARY KEY,
    spec_json    TEXT    NOT NULL,
    priority     INTEGER NOT NULL,
    max_retries  INTEGER NOT NULL CHECK (max_retries >= 0),
    attempts     INTEGER NOT NULL CHECK (attempts >= 0),
    state        TEXT    NOT NULL CHECK (state IN ('QUEUED', 'LEASED', 'RUNNING', 'COMPLETED', 'FAILED',
                                                   'CANCELLED', 'UNPLACEABLE')),
    reason       TEXT,
    submitted_at BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    node_id      TEXT    REFERENCES nodes (id),
    epoch        BIGINT  NOT NULL CHECK (epoch >= 0)  -- the latest lease's epoch: the fencing token
);

CREATE INDEX jobs_queue ON jobs (state, priority, submitted_at);
CREATE INDEX jobs_by_node ON jobs (node_id, state);

-- Every grant, live or ended; a job's live lease is the one at its epoch while the job is LEASED or RUNNING.
CREATE TABLE leases (
    job_id     TEXT   NOT NULL REFERENCES jobs (id),
    epoch      BIGINT NOT NULL,
    node_id    TEXT   NOT NULL REFERENCES nodes (id),
    granted_at BIGINT NOT NULL,
    ended_at   BIGINT,
    end_reason TEXT,
    PRIMARY KEY (job_id, epoch)
);

CREATE INDEX leases_by_node ON leases (node_id);

-- At most one accepted result per job: the primary key on job_id refuses a second one whatever the writers do.
CREATE TABLE results (
    job_id      TEXT   NOT NULL PRIMARY KEY REFERENCES jobs (id),
    epoch       BIGINT NOT NULL,
    node_id     TEXT   NOT NULL REFERENCES nodes (id),
    status      TEXT   NOT NULL,
    exit_code   BIGINT NOT NULL,
    result_json TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    FOREIGN KEY (job_id, epoch) REFERENCES leases (job_id, epoch)
);
