-- Remote inputs (issue 17, files): a blob is content a client uploaded once (PUT /v1/blobs/{digest}) and a job's
-- files[] names by digest. The bytes live once on disk under the data folder's blobs/ (content-addressed); these rows
-- say who may use them: one row per (owner, digest), so a client can reference or probe only what it uploaded.
-- touched_at is the last upload or submit naming it: retention removes a blob no unfinished job names and untouched
-- for --blob-retention. Same PostgreSQL-shared subset as V1.
CREATE TABLE blobs (
    owner      TEXT   NOT NULL,
    digest     TEXT   NOT NULL,
    size       BIGINT NOT NULL CHECK (size >= 0),
    created_at BIGINT NOT NULL,
    touched_at BIGINT NOT NULL,
    PRIMARY KEY (owner, digest)
);

CREATE INDEX blobs_by_digest ON blobs (digest);
CREATE INDEX blobs_by_age ON blobs (touched_at);

-- The blobs each job's spec names: a node holding the job's lease may fetch exactly these, and a blob named by an
-- unfinished job is kept whatever its age.
CREATE TABLE job_blobs (
    job_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (job_id, digest)
);

CREATE INDEX job_blobs_by_digest ON job_blobs (digest);
