-- 標的型メール訓練 (targeted-mail drills).
--   drill_setting: the organisation's allowed drill domains (one row per organisation,
--     domains_json a JSON array of normalised domain names), managed on the drills page.
--   drill_campaign: one drill: its name, the template key, what was sent (sender display name,
--     subject, body with {name} and {link}), the allowed domains when created (snapshot,
--     JSON), the report address the lesson names, the follow-up course (free text for now),
--     state draft | sent | closed, who created it and when; sent_at, closed_at.
--   drill_target: a person chosen for a campaign, the address copied from the directory, the
--     SHA-256 of the personal link's token (never the token), the outbox mail, when sent, the
--     first click and the number of clicks, the first report.
--   suspicious_report: every 「不審メールを報告」: who (user, and their person when linked),
--     what they typed, and the campaign and target when it was a drill mail of an open
--     campaign (else a general suspicious-mail report).
--   mail_outbox.from_name: the display name of the sender (a drill mail's; none: the
--     configured sender as is).
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE drill_setting (
    org_id       TEXT PRIMARY KEY REFERENCES organization(id),
    domains_json TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE drill_campaign (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organization(id),
    name            TEXT NOT NULL,
    template_key    TEXT NOT NULL,
    sender_name     TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    domains_json    TEXT NOT NULL,
    report_address  TEXT NOT NULL,
    follow_up       TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    closed_at       BIGINT
);
CREATE INDEX drill_campaign_org ON drill_campaign (org_id, created_at);

CREATE TABLE drill_target (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    campaign_id  TEXT NOT NULL REFERENCES drill_campaign(id),
    person_id    TEXT NOT NULL REFERENCES person(id),
    address      TEXT NOT NULL,
    token_hash   TEXT UNIQUE,
    mail_id      TEXT,
    sent_at      BIGINT,
    clicked_at   BIGINT,
    click_count  BIGINT NOT NULL,
    reported_at  BIGINT,
    UNIQUE (org_id, campaign_id, person_id)
);
CREATE INDEX drill_target_person ON drill_target (org_id, person_id);

CREATE TABLE suspicious_report (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    user_id      TEXT NOT NULL,
    person_id    TEXT,
    campaign_id  TEXT,
    target_id    TEXT,
    subject      TEXT NOT NULL,
    note         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX suspicious_report_org ON suspicious_report (org_id, created_at);

ALTER TABLE mail_outbox ADD COLUMN from_name TEXT;

-- Who clicked is need-to-know: 経営責任者 and 情報セキュリティ管理者 (not システム管理者).
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'drills.manage' FROM role
    WHERE key IN ('top_management', 'security_manager');
