-- Events (issue 17, events): every job.* and instance.* event written to the webhook outbox is also kept here, once,
-- whether or not any endpoint listens, so that GET /v1/events can stream it (id: seq) and resume after a
-- Last-Event-ID. owner is the account the event belongs to (client:NAME, or admin:NAME), node_id the node the job or
-- instance was on (operators see the events of their nodes). Only the newest events are kept (the replay window);
-- older ones are deleted as new ones come. Same PostgreSQL-shared subset as V1, except that seq there is
-- BIGINT GENERATED ALWAYS AS IDENTITY.

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    owner       TEXT    NOT NULL,
    node_id     TEXT,
    event_type  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
