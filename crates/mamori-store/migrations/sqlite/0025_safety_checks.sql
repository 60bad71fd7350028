-- 安否確認 (safety confirmation) broadcasts of the business-continuity plan (5.29).
--   safety_check: one broadcast, real or a drill (drill 0/1); state open | closed; closing a
--     drill writes a row of the bcp_records register (bcp_row_id).
--   safety_check_recipient: each person in scope (the organisation's active users with a mail
--     address at sending time: name, mail address and role names copied), how many times the
--     link was mailed (sent_count), and the answer (status safe | minor_injury |
--     serious_injury, can_work 0/1, comment), replaced when answered again (answer_count).
--   safety_check_link: each link mailed, by the SHA-256 of its token only; it expires. A re-send
--     adds a link: the earlier one keeps working until it expires.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE safety_check (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    title       TEXT NOT NULL,
    drill       BIGINT NOT NULL,
    state       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    closed_by   TEXT,
    closed_at   BIGINT,
    bcp_row_id  TEXT
);
CREATE INDEX safety_check_org ON safety_check (org_id, created_at);

CREATE TABLE safety_check_recipient (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    check_id     TEXT NOT NULL REFERENCES safety_check(id),
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email        TEXT NOT NULL,
    groups_json  TEXT NOT NULL,
    sent_count   BIGINT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    status       TEXT,
    can_work     BIGINT,
    comment      TEXT,
    answered_at  BIGINT,
    answer_count BIGINT NOT NULL,
    UNIQUE (org_id, check_id, user_id)
);
CREATE INDEX safety_check_recipient_check ON safety_check_recipient (org_id, check_id);

CREATE TABLE safety_check_link (
    token_hash   TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    check_id     TEXT NOT NULL REFERENCES safety_check(id),
    recipient_id TEXT NOT NULL REFERENCES safety_check_recipient(id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX safety_check_link_recipient ON safety_check_link (org_id, recipient_id);

-- The tally holds answers about injuries (need-to-know): the 対策本部's managers only,
-- 経営責任者 and 情報セキュリティ管理者 (システム管理者 does not hold it).
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'safety_checks.manage' FROM role
    WHERE key IN ('top_management', 'security_manager');
