-- Tenants: clients, their API keys (hashed), and the audit trail of admin actions and refused requests.
-- Same PostgreSQL-shared subset as V1.

CREATE TABLE clients (
    name        TEXT   NOT NULL PRIMARY KEY,   -- the ledger account is client:<name>
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT,                        -- NULL while enabled; a disabled client's keys stop working
    quota_json  TEXT   NOT NULL                -- limits; 0 means no limit
);

-- A key is hck_<id>_<secret>; only the SHA-256 of the whole key is kept, looked up by its id.
CREATE TABLE api_keys (
    id          TEXT   NOT NULL PRIMARY KEY,
    key_hash    TEXT   NOT NULL,
    role        TEXT   NOT NULL CHECK (role IN ('ADMIN', 'CLIENT', 'OPERATOR')),
    owner       TEXT   NOT NULL,               -- the client's name (role CLIENT), the operator's name, or the admin's
    label       TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,                        -- NULL: never
    revoked_at  BIGINT                         -- NULL while live
);

CREATE INDEX api_keys_by_owner ON api_keys (role, owner);

CREATE TABLE audit_events (
    id      TEXT   NOT NULL PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT   NOT NULL,   -- role:name of the caller, or anonymous
    action  TEXT   NOT NULL,   -- METHOD path
    outcome TEXT   NOT NULL,   -- allowed, refused:<http status>, ...
    detail  TEXT   NOT NULL
);

CREATE INDEX audit_by_time ON audit_events (at);

-- Operators: a node token may name the operator whose nodes it makes; a removed node's token is revoked.
ALTER TABLE node_tokens ADD COLUMN operator TEXT;
ALTER TABLE node_tokens ADD COLUMN revoked_at BIGINT;
