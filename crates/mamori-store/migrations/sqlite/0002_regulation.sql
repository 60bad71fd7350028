-- Regulations (管理策規程): every import is a new version; nothing is overwritten.
-- Keep in step with ../postgres.

CREATE TABLE regulation_version (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organization(id),
    version_no       BIGINT NOT NULL,
    doc_number       TEXT,
    title            TEXT,
    edition          TEXT,
    doc_date         TEXT,
    source_name      TEXT NOT NULL,
    source_sha256    TEXT NOT NULL,
    imported_by      TEXT NOT NULL,
    imported_at      BIGINT NOT NULL,
    diagnostics_json TEXT NOT NULL,
    UNIQUE (org_id, version_no)
);

-- One row per control of a version, linked to the Annex A catalogue by control_id.
CREATE TABLE regulation_control (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    version_id TEXT NOT NULL REFERENCES regulation_version(id),
    control_id TEXT NOT NULL,
    position   BIGINT NOT NULL,
    title      TEXT NOT NULL,
    applicable BIGINT NOT NULL,
    data_json  TEXT NOT NULL,
    PRIMARY KEY (version_id, control_id)
);
CREATE INDEX idx_regulation_control_org ON regulation_control (org_id, control_id);

-- An uploaded file waiting for the user's confirmation after the preview.
CREATE TABLE regulation_staging (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organization(id),
    user_id    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The organisation's additions to the role and external-system dictionaries.
CREATE TABLE org_dictionary (
    org_id       TEXT NOT NULL REFERENCES organization(id),
    kind         TEXT NOT NULL,
    canonical    TEXT NOT NULL,
    aliases_json TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, canonical)
);

-- New permissions for existing organisations (new ones get them when created).
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'regulation.view' FROM role;
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'regulation.import' FROM role WHERE key IN ('top_management', 'security_manager', 'system_admin');
