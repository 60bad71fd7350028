-- Certification audits, the certificate, and information-security objectives (issue 18).
-- Keep in step with the other engine's folder (same DDL).

-- External audits by a certification body (stage1 | stage2 | surveillance | recertification).
-- The body's auditors are outsiders: names as free text. state: planned | completed.
CREATE TABLE certification_audit (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organization(id),
    number        BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,
    lead_auditor  TEXT NOT NULL,
    auditors      TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (org_id, number)
);

-- A finding with the body's grading (major_nc | minor_nc | observation | opportunity) and the
-- body's own reference number; a major or minor nonconformity raises a `nonconformity`.
CREATE TABLE certification_finding (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organization(id),
    audit_id         TEXT NOT NULL REFERENCES certification_audit(id),
    reference        TEXT,
    control_id       TEXT,
    grade            TEXT NOT NULL,
    text             TEXT NOT NULL,
    nonconformity_id TEXT REFERENCES nonconformity(id),
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX certification_finding_audit ON certification_finding (org_id, audit_id);

-- The certificate (認証登録証); reminders before `expires_on`.
CREATE TABLE certificate (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    number      TEXT NOT NULL,
    body        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    issued_on   TEXT NOT NULL,
    expires_on  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Information-security objectives (6.2). Values are thousandths (BIGINT, exact on both
-- engines): a target of 95.5 % is 95500. metric: null (measured by hand) or the computed
-- measure (duty_completion_rate | incidents_closed_in_time). direction: at_least | at_most.
CREATE TABLE objective (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    number       BIGINT NOT NULL,
    title        TEXT NOT NULL,
    measure      TEXT NOT NULL,
    metric       TEXT,
    target_milli BIGINT NOT NULL,
    unit         TEXT NOT NULL,
    direction    TEXT NOT NULL,
    owner_id     TEXT NOT NULL REFERENCES app_user(id),
    due_on       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (org_id, number)
);

CREATE TABLE objective_measurement (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    objective_id TEXT NOT NULL REFERENCES objective(id),
    measured_on  TEXT NOT NULL,
    value_milli  BIGINT NOT NULL,
    note         TEXT NOT NULL,
    computed     BIGINT NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX objective_measurement_objective ON objective_measurement (org_id, objective_id);

-- Objectives are communicated (6.2 d): every role reads them; 経営責任者 and
-- 情報セキュリティ管理者 manage them (and システム管理者, who holds every permission).
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'objectives.view' FROM role
    WHERE key IN ('top_management', 'security_manager', 'system_admin', 'internal_auditor', 'employee');
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'objectives.manage' FROM role
    WHERE key IN ('top_management', 'security_manager', 'system_admin');
