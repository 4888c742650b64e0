-- Instance commands across coordinators (issue 14, several coordinators): a lifecycle command (start, stop, restart,
-- pause, resume, destroy) or a log read sent to one coordinator for a node connected to another. The coordinator
-- that took the request records it here (PENDING) and notifies hearth_instance_commands; the node's coordinator
-- claims it (SENT), relays it to the node and writes the node's answer back (DONE or FAILED, result the
-- instance_result as JSON, with the log of a read); the first coordinator reads the answer from here. A command
-- nobody claims within the pickup deadline is FAILED by whoever notices first. No create is ever written here: its
-- document carries secrets, and a create must go to the coordinator the node is connected to. Rows are deleted an
-- hour after they ended, a log read's as soon as it was answered. PostgreSQL's copy is the same; on SQLite (one
-- coordinator per file) the table stays empty.

CREATE TABLE instance_commands (
    request_id   TEXT    PRIMARY KEY,
    node_id      TEXT    NOT NULL,
    instance_id  TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('PENDING', 'SENT', 'DONE', 'FAILED')),
    result       TEXT,
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT
);

CREATE INDEX instance_commands_state ON instance_commands (state, created_at);
