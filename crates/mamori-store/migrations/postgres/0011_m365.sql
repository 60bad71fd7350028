-- Microsoft 365 evidence: every imported file (kept in the evidence store, with its counts),
-- the audit events de-duplicated by AuditData.Id and never edited, and the latest admin center
-- account snapshot. Keep in step with the other engine's copy.

CREATE TABLE m365_import (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organization(id),
    file_name       TEXT NOT NULL,
    format          TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    size            BIGINT NOT NULL,
    read_count      BIGINT NOT NULL,
    new_count       BIGINT NOT NULL,
    duplicate_count BIGINT NOT NULL,
    rejected_count  BIGINT NOT NULL,
    rejected_json   TEXT NOT NULL,
    imported_by     TEXT NOT NULL,
    imported_at     BIGINT NOT NULL
);

CREATE TABLE m365_event (
    org_id      TEXT NOT NULL REFERENCES organization(id),
    audit_id    TEXT NOT NULL,
    at          TEXT NOT NULL,
    operation   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    ip          TEXT NOT NULL,
    workload    TEXT NOT NULL,
    record_type BIGINT NOT NULL,
    result      TEXT NOT NULL,
    raw         TEXT NOT NULL,
    import_id   TEXT NOT NULL,
    PRIMARY KEY (org_id, audit_id)
);
CREATE INDEX idx_m365_event_at ON m365_event (org_id, at);
CREATE INDEX idx_m365_event_user ON m365_event (org_id, user_id, at);
CREATE INDEX idx_m365_event_operation ON m365_event (org_id, operation, at);
CREATE INDEX idx_m365_event_ip ON m365_event (org_id, ip, at);

CREATE TABLE m365_account (
    org_id       TEXT NOT NULL REFERENCES organization(id),
    upn          TEXT NOT NULL,
    display_name TEXT NOT NULL,
    blocked      BIGINT NOT NULL,
    licenses     TEXT NOT NULL,
    created      TEXT NOT NULL,
    deleted      TEXT NOT NULL,
    import_id    TEXT NOT NULL,
    PRIMARY KEY (org_id, upn)
);
