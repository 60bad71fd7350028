-- Registers (台帳・記録): definitions are data; rows keep full history and are soft-deleted.
-- register_def.data_version is bumped by every row write, so servers can keep an in-memory
-- index of a register (search, sort, paging) and rebuild it only when the data changed.
-- Keep in step with ../postgres.

CREATE TABLE register_def (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    def_json   TEXT NOT NULL,
    data_version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE register_row (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organization(id),
    register_key   TEXT NOT NULL,
    values_json    TEXT NOT NULL,
    label          TEXT NOT NULL,
    search_text    TEXT NOT NULL,
    deleted        BIGINT NOT NULL DEFAULT 0,
    deleted_reason TEXT,
    version        BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL
);
CREATE INDEX idx_register_row_list ON register_row (org_id, register_key, created_at);

CREATE TABLE register_row_history (
    org_id      TEXT NOT NULL REFERENCES organization(id),
    row_id      TEXT NOT NULL REFERENCES register_row(id),
    version     BIGINT NOT NULL,
    action      TEXT NOT NULL,
    values_json TEXT NOT NULL,
    label       TEXT NOT NULL,
    reason      TEXT,
    actor_label TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    PRIMARY KEY (row_id, version)
);

INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'registers.view' FROM role;
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'registers.edit' FROM role WHERE key IN ('top_management', 'security_manager', 'system_admin');
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'registers.design' FROM role WHERE key IN ('top_management', 'security_manager', 'system_admin');
