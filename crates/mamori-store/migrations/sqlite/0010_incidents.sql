-- Information-security events and incidents (5.24–5.28, 6.8): the report, the assessment,
-- a response log, evidence items with their chain of custody, need-to-know access, decisions
-- and lessons learned. Keep in step with the other engine's copy.

CREATE TABLE incident (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organization(id),
    number         BIGINT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    reporter_id    TEXT NOT NULL REFERENCES app_user(id),
    reporter_label TEXT NOT NULL,
    state          TEXT NOT NULL,
    variant        TEXT,
    assessment     TEXT,
    disclosure     TEXT,
    authorities    TEXT,
    lessons        TEXT,
    corrective_ref TEXT,
    version        BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_id, number)
);

CREATE TABLE incident_event (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    incident_id TEXT NOT NULL REFERENCES incident(id),
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    evidence_id TEXT,
    actor_id    TEXT,
    actor_label TEXT NOT NULL,
    text        TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    UNIQUE (incident_id, seq)
);

CREATE TABLE incident_evidence (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    incident_id TEXT NOT NULL REFERENCES incident(id),
    sha256      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    holder      TEXT NOT NULL,
    taken_at    BIGINT NOT NULL,
    taken_by    TEXT NOT NULL
);

CREATE TABLE incident_access (
    org_id      TEXT NOT NULL REFERENCES organization(id),
    incident_id TEXT NOT NULL REFERENCES incident(id),
    user_id     TEXT NOT NULL REFERENCES app_user(id),
    granted_by  TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);
