-- Pledges signed in mamori and the joiner's screening record (people and awareness, 5.16, 6.1,
-- 6.5, 6.6).
--   pledge_signature: one signature of a pledge document's version by a person of the
--     directory. kind joiner (秘密保持誓約書) | leaver (退職時の秘密保持誓約書); the version signed
--     with its 版数 and the SHA-256 of its content (the body's UTF-8, or the file's); method
--     online (the person read it, typed their name and confirmed, logged in as themselves) |
--     paper (a manager recorded a signed paper with its scan, evidence_sha256); signed_on the
--     JST date; the register row (秘密保持誓約書〔対従業員〕 / 退職時の秘密保持誓約書) written
--     with it. Never changed or deleted: a new version asks for a new signature.
--   person_screening: a screening check before joining (6.1): what was checked, the result,
--     who checked and when; restricted to people.manage.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE pledge_signature (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organization(id),
    person_id        TEXT NOT NULL REFERENCES person(id),
    kind             TEXT NOT NULL,
    document_id      TEXT NOT NULL REFERENCES document(id),
    version_id       TEXT NOT NULL REFERENCES document_version(id),
    edition          TEXT NOT NULL,
    content_sha256   TEXT NOT NULL,
    method           TEXT NOT NULL,
    typed_name       TEXT NOT NULL,
    signed_on        TEXT NOT NULL,
    signed_at        BIGINT NOT NULL,
    recorded_by      TEXT NOT NULL,
    evidence_sha256  TEXT,
    register_row_id  TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX pledge_signature_person ON pledge_signature (org_id, person_id, kind, signed_at);

CREATE TABLE person_screening (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    person_id    TEXT NOT NULL REFERENCES person(id),
    checked_on   TEXT NOT NULL,
    checks       TEXT NOT NULL,
    result       TEXT NOT NULL,
    checked_by   TEXT NOT NULL,
    notes        TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX person_screening_person ON person_screening (org_id, person_id, checked_on);
