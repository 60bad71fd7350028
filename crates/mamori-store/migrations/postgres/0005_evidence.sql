-- The evidence store: files kept content-addressed by SHA-256 (the bytes live in the evidence
-- directory, one file per hash); this table records who stored what, when, under which name.
-- Keep in step with ../sqlite (same DDL).

CREATE TABLE evidence_file (
    org_id        TEXT NOT NULL REFERENCES organization(id),
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    content_type  TEXT NOT NULL,
    original_name TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, sha256)
);
