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
