-- Recurring duties (定期業務): definitions offered from the regulation's stated intervals (or
-- added by hand), and their materialised occurrences. Overdue is computed, never stored.
-- Keep in step with ../postgres.

CREATE TABLE duty (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organization(id),
    title             TEXT NOT NULL,
    control_id        TEXT,
    decision          TEXT NOT NULL,
    frequency         TEXT,
    anchor_day        BIGINT NOT NULL,
    anchor_month      BIGINT NOT NULL,
    fiscal_year_start BIGINT NOT NULL,
    schedule_from     TEXT NOT NULL,
    owner_role        TEXT,
    source_text       TEXT NOT NULL,
    evidence          TEXT NOT NULL,
    active            BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX idx_duty_source ON duty (org_id, control_id, source_text);

CREATE TABLE duty_occurrence (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    duty_id     TEXT NOT NULL REFERENCES duty(id),
    due         TEXT NOT NULL,
    state       TEXT NOT NULL,
    done_by     TEXT,
    done_on     TEXT,
    done_at     BIGINT,
    note        TEXT,
    evidence    TEXT,
    skip_reason TEXT,
    UNIQUE (duty_id, due)
);
CREATE INDEX idx_duty_occurrence_due ON duty_occurrence (org_id, due);

INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'duties.view' FROM role;
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'duties.manage' FROM role WHERE key IN ('top_management', 'security_manager', 'system_admin');
