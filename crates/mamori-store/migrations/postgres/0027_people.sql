-- The staff directory (people and awareness, first slice).
--   person: everyone in scope, with or without a mamori login — employees, officers,
--     part-timers, contractors and 委託先 staff; kind employee | officer | part_time |
--     contractor | outsourced; dates as YYYY-MM-DD text; manager_id another person of the same
--     organisation; login_id the normalised login key of their mamori account (unique per
--     organisation when set).
--   person_leaver: a leaver's checklist, opened when a leave date is recorded; state open |
--     closed (closed only when every item is done or waived).
--   person_leaver_item: one thing to do: key (asset:ROW, media:ROW, account:REQUEST,
--     leaver_pledge, login), its label as shown, state open | done | waived, the reason of a
--     waiver, the request or register row it refers to.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE person (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    department  TEXT NOT NULL,
    joined_on   TEXT,
    left_on     TEXT,
    login_id    TEXT,
    manager_id  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX person_org ON person (org_id, name);
CREATE UNIQUE INDEX person_org_login ON person (org_id, login_id) WHERE login_id IS NOT NULL;

CREATE TABLE person_leaver (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    person_id   TEXT NOT NULL REFERENCES person(id),
    left_on     TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT
);
CREATE INDEX person_leaver_person ON person_leaver (org_id, person_id);

CREATE TABLE person_leaver_item (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    leaver_id   TEXT NOT NULL REFERENCES person_leaver(id),
    seq         BIGINT NOT NULL,
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    ref_id      TEXT,
    updated_by  TEXT,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, leaver_id, key)
);
CREATE INDEX person_leaver_item_leaver ON person_leaver_item (org_id, leaver_id, seq);

-- E-mail addresses, dates, the leaver checklist and every change: 経営責任者, 情報セキュリティ
-- 管理者 and システム管理者 (names and departments are read by every member).
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'people.manage' FROM role
    WHERE key IN ('top_management', 'security_manager', 'system_admin');
