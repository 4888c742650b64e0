-- Instance ownership: who created each instance made through the coordinator (POST /v1/nodes/{id}/instances).
-- A client key acts on the instances it owns only; its instances quota counts these rows.
-- Same PostgreSQL-shared subset as V1.

CREATE TABLE instance_owners (
    node_id     TEXT   NOT NULL,
    instance_id TEXT   NOT NULL,
    owner       TEXT   NOT NULL,   -- role:name of the caller that created it (client:alice, admin:admin)
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (node_id, instance_id)
);

CREATE INDEX instance_owners_by_owner ON instance_owners (owner);
