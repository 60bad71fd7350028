-- Nonconformity and corrective action (issue 18, ISO/IEC 27001 10.2). The report itself is a
-- row of the 是正処置報告書 register (`corrective_actions`); this table holds what the register
-- cannot rule: where it came from, the control it names, and its life (open → acted → closed)
-- with who acted and who checked effectiveness (never the same person).
--   id: the register row's id.
--   source: internal_audit | certification_audit | incident | missed_duty | finding.
--   source_ref: the incident, audit finding or duty it came from, if any.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE nonconformity (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    number      BIGINT NOT NULL,
    source      TEXT NOT NULL,
    source_ref  TEXT,
    control_id  TEXT,
    state       TEXT NOT NULL,
    owner_id    TEXT REFERENCES app_user(id),
    acted_by    TEXT,
    acted_at    BIGINT,
    checked_by  TEXT,
    checked_at  BIGINT,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX nonconformity_org_state ON nonconformity (org_id, state);

-- Internal audit (9.2): the plan (scope: control ids, auditors: user ids, as JSON arrays), its
-- findings (a nonconformity's corrective action is a `nonconformity`), the report and its
-- approval by 経営責任者 (not an auditor of it).
CREATE TABLE internal_audit (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organization(id),
    number        BIGINT NOT NULL,
    title         TEXT NOT NULL,
    scope_json    TEXT NOT NULL,
    auditors_json TEXT NOT NULL,
    planned_on    TEXT NOT NULL,
    state         TEXT NOT NULL,
    report        TEXT,
    approved_by   TEXT,
    approved_at   BIGINT,
    created_by    TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (org_id, number)
);

CREATE TABLE internal_audit_finding (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organization(id),
    audit_id         TEXT NOT NULL REFERENCES internal_audit(id),
    control_id       TEXT NOT NULL,
    grade            TEXT NOT NULL,
    text             TEXT NOT NULL,
    nonconformity_id TEXT REFERENCES nonconformity(id),
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX internal_audit_finding_audit ON internal_audit_finding (audit_id);

INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'internal_audits.view' FROM role
    WHERE key IN ('top_management', 'security_manager', 'system_admin', 'internal_auditor');
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'internal_audits.manage' FROM role
    WHERE key IN ('top_management', 'security_manager', 'system_admin', 'internal_auditor');

-- Management review (9.3): the inputs a–g assembled from the system's data as of `held_on`
-- (JSON: {a: [{text, source: {type, id}}], …}), editable until the minutes are approved; the
-- outputs (JSON: {decisions: [..], actions: [{text, owner_id, due}]}); approval of the
-- minutes by 経営責任者.
CREATE TABLE management_review (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    number       BIGINT NOT NULL,
    held_on      TEXT NOT NULL,
    inputs_json  TEXT NOT NULL,
    outputs_json TEXT NOT NULL,
    state        TEXT NOT NULL,
    approved_by  TEXT,
    approved_at  BIGINT,
    created_by   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (org_id, number)
);

INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'management_reviews.view' FROM role
    WHERE key IN ('top_management', 'security_manager', 'system_admin', 'internal_auditor');
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'management_reviews.manage' FROM role
    WHERE key IN ('top_management', 'security_manager', 'system_admin');
