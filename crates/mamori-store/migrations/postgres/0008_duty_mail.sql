-- Duties: an optional named assignee (otherwise anyone holding the owner role), the register
-- whose row completes the duty, and the row an occurrence produced. The mail outbox of
-- reminders: one row per (organisation, dedupe key), so a mail is queued once even after a
-- restart; failed sends are retried and stay visible. Keep in step with the other engine's copy.

ALTER TABLE duty ADD COLUMN assignee_id TEXT;
ALTER TABLE duty ADD COLUMN register_key TEXT;
ALTER TABLE duty_occurrence ADD COLUMN record_ref TEXT;
CREATE INDEX idx_duty_occurrence_open ON duty_occurrence (org_id, state, due);
CREATE INDEX idx_duty_occurrence_duty ON duty_occurrence (duty_id, due);

CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organization(id),
    dedupe_key      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    sent_at         BIGINT,
    UNIQUE (org_id, dedupe_key)
);
CREATE INDEX idx_mail_outbox_pending ON mail_outbox (sent_at, next_attempt_at);

-- A per-organisation counter bumped by every change to duties or occurrences, so a process
-- can cache the open occurrences and see another process's writes.
CREATE TABLE duty_version (
    org_id  TEXT PRIMARY KEY REFERENCES organization(id),
    version BIGINT NOT NULL
);
