-- Controlled documents (7.5): the regulation, the SoA, policies, manuals and external
-- documents, each with versions (draft → approved → superseded) and staff acknowledgements.
-- Keep in step with ../sqlite (same DDL).

CREATE TABLE document (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organization(id),
    kind            TEXT NOT NULL,
    doc_number      TEXT NOT NULL,
    title           TEXT NOT NULL,
    issuer          TEXT,
    approver_role   TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (org_id, doc_number)
);

CREATE TABLE document_version (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organization(id),
    document_id       TEXT NOT NULL REFERENCES document(id),
    version_no        BIGINT NOT NULL,
    edition           TEXT NOT NULL,
    status            TEXT NOT NULL,
    author_id         TEXT NOT NULL,
    author_label      TEXT NOT NULL,
    contributors_json TEXT NOT NULL,
    approver_id       TEXT,
    approver_label    TEXT,
    approved_at       BIGINT,
    enacted_date      TEXT,
    revised_date      TEXT,
    change_summary    TEXT NOT NULL,
    body              TEXT NOT NULL,
    published_at      BIGINT,
    audience_json     TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (document_id, version_no)
);

CREATE TABLE document_ack (
    org_id          TEXT NOT NULL REFERENCES organization(id),
    version_id      TEXT NOT NULL REFERENCES document_version(id),
    user_id         TEXT NOT NULL REFERENCES app_user(id),
    acknowledged_at BIGINT NOT NULL,
    PRIMARY KEY (version_id, user_id)
);

INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'documents.view' FROM role;
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'documents.edit' FROM role WHERE key IN ('top_management', 'security_manager', 'system_admin');
