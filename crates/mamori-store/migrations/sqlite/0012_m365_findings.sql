-- Findings of the Microsoft 365 detections: one per (rule, subject, first event), confirmed or
-- dismissed by a person with a reason; a confirmed finding can open an incident. Keep in step
-- with the other engine's copy.

CREATE TABLE m365_finding (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organization(id),
    rule           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    event_count    BIGINT NOT NULL,
    event_ids_json TEXT NOT NULL,
    state          TEXT NOT NULL,
    reason         TEXT,
    decided_by     TEXT,
    decided_at     BIGINT,
    incident_id    TEXT,
    created_at     BIGINT NOT NULL,
    UNIQUE (org_id, rule, subject, first_seen)
);
