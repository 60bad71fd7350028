-- Training with tests (6.3, 7.3).
--   training_course: a course of the organisation — title, description, materials_json (a list
--     of {kind: document|file|link, ref, label}), pool_json (the question pool: {id, topic,
--     text, choices, correct, explanation}), questions per attempt, the pass mark in percent,
--     active (0/1); starter_key names the shipped course it was loaded from (once per
--     organisation).
--   training_plan: the yearly plan of a course for a fiscal year (the calendar year it starts
--     in): due date, who it is for as shown, and the 教育・訓練計画表 row mamori created and
--     keeps up to date (register_row_id; a row a person made by hand is never touched).
--   training_assignment: a person assigned a course for a fiscal year; reason plan | by_hand |
--     drill; due date.
--   training_attempt: one attempt, immutable once submitted: the drawn questions as given
--     (questions_json, answers hidden from the person until submitted), the answers, the score
--     and whether it passed; mode online | offline (a paper session recorded by a manager,
--     taken_on its date); finished_at null while open.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE training_course (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organization(id),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    materials_json TEXT NOT NULL,
    pool_json     TEXT NOT NULL,
    per_attempt   BIGINT NOT NULL,
    pass_mark     BIGINT NOT NULL,
    active        BIGINT NOT NULL,
    starter_key   TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX training_course_org ON training_course (org_id, title);
CREATE UNIQUE INDEX training_course_starter ON training_course (org_id, starter_key) WHERE starter_key IS NOT NULL;

CREATE TABLE training_plan (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organization(id),
    course_id       TEXT NOT NULL REFERENCES training_course(id),
    fiscal_year     BIGINT NOT NULL,
    due_on          TEXT NOT NULL,
    audience        TEXT NOT NULL,
    register_row_id TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (org_id, course_id, fiscal_year)
);

CREATE TABLE training_assignment (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    course_id   TEXT NOT NULL REFERENCES training_course(id),
    fiscal_year BIGINT NOT NULL,
    person_id   TEXT NOT NULL REFERENCES person(id),
    reason      TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, course_id, fiscal_year, person_id)
);
CREATE INDEX training_assignment_person ON training_assignment (org_id, person_id);

CREATE TABLE training_attempt (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organization(id),
    course_id      TEXT NOT NULL REFERENCES training_course(id),
    fiscal_year    BIGINT NOT NULL,
    person_id      TEXT NOT NULL REFERENCES person(id),
    attempt_no     BIGINT NOT NULL,
    mode           TEXT NOT NULL,
    questions_json TEXT NOT NULL,
    answers_json   TEXT NOT NULL,
    correct        BIGINT NOT NULL,
    total          BIGINT NOT NULL,
    percent        BIGINT NOT NULL,
    passed         BIGINT NOT NULL,
    taken_on       TEXT,
    recorded_by    TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    UNIQUE (org_id, course_id, fiscal_year, person_id, attempt_no)
);
CREATE INDEX training_attempt_course ON training_attempt (org_id, course_id, fiscal_year);

-- Courses, the plan, offline records and everyone's scores: 経営責任者 and 情報セキュリティ
-- 管理者 (every member reads the courses and their own attempts).
INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'training.manage' FROM role
    WHERE key IN ('top_management', 'security_manager');
