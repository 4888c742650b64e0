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
-- unfinished job is kept whatever its age. Written just before the job's row; a reference whose job never got
-- stored (a refused submit) goes once it is older than the retention.
CREATE TABLE job_blobs (
    job_id     TEXT   NOT NULL,
    digest     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (job_id, digest)
);

CREATE INDEX job_blobs_by_digest ON job_blobs (digest);

-- Remote outputs: the files a job left in /job/out, uploaded by the node that ran it (its lease at epoch) before its
-- result, each checked against the sha256 the node declared; the bytes live with the blobs (content-addressed, once).
-- GET /v1/jobs/{id}/outputs lists the receipt's outputs and marks stored the ones with a row here of the result's
-- epoch, path and sha256. owner is the job's account: outputs count against its blob quota. Rows go when the job is
-- pruned (--retain-finished).
CREATE TABLE job_outputs (
    job_id     TEXT   NOT NULL,
    epoch      BIGINT NOT NULL,
    path       TEXT   NOT NULL,
    sha256     TEXT   NOT NULL,
    size       BIGINT NOT NULL CHECK (size >= 0),
    owner      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (job_id, epoch, path)
);

CREATE INDEX job_outputs_by_owner ON job_outputs (owner);
CREATE INDEX job_outputs_by_sha256 ON job_outputs (sha256);
