-- Duties as data (regulation fidelity): a duty remembers the sub-heading it came from (so the
-- same sentence under two sub-headings is two duties), the event it is anchored to instead of
-- a calendar interval, the request type whose completed request is its evidence, its reminder
-- lead time, and when the organisation confirmed it (an offered duty is scheduled only once
-- confirmed). Open items: the regulation's draft notes and undecided intervals, each with an
-- owner, a due date and a resolution.
-- Keep in step with ../postgres (same DDL).

ALTER TABLE duty ADD COLUMN context TEXT NOT NULL DEFAULT '';
ALTER TABLE duty ADD COLUMN anchor TEXT;
ALTER TABLE duty ADD COLUMN request_type TEXT;
ALTER TABLE duty ADD COLUMN lead_days BIGINT;
ALTER TABLE duty ADD COLUMN confirmed_at BIGINT;
-- Duties that exist already were scheduled by their organisation: they count as confirmed.
UPDATE duty SET confirmed_at = created_at;
UPDATE duty SET anchor = 'at_internal_audit' WHERE decision = 'audit';
UPDATE duty SET anchor = 'at_management_review' WHERE decision = 'review';
DROP INDEX idx_duty_source;
CREATE UNIQUE INDEX idx_duty_source ON duty (org_id, control_id, source_text, context);

CREATE TABLE open_item (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    control_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    owner_id    TEXT REFERENCES app_user(id),
    due         TEXT,
    resolution  TEXT,
    resolved_at BIGINT,
    resolved_by TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX idx_open_item_text ON open_item (org_id, control_id, kind, text);
