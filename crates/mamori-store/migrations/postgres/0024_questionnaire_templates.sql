-- Supplier questionnaires (continued): an organisation's own templates, the questions a sent
-- questionnaire asked, the files a supplier sent with the answers, and the automatic re-send
-- on a supplier's re-evaluation.
--   questionnaire_template: a template imported from xlsx (or the CLI/API), per organisation,
--     beside the shipped ones of mamori_domain::questionnaire; `key` is what a questionnaire's
--     `template` names; `sections_json` the sections with their questions (domain Section).
--   supplier_questionnaire.template_json: the template as sent (a snapshot: later changes of
--     the template never change what was asked or answered); NULL on rows sent before this
--     migration, which read the shipped template by key.
--   supplier_questionnaire.reeval_due: the due date (YYYY-MM-DD) of the re-evaluation that
--     sent it automatically; unique per supplier, so a re-evaluation sends once.
--   supplier_questionnaire.mailed_to: the address the link was mailed to by the re-send.
--   supplier_questionnaire_file: a file sent with the answers (bytes in the evidence store of
--     the asking organisation), for one question (`question_key`) or the whole questionnaire.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE questionnaire_template (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organization(id),
    key           TEXT NOT NULL,
    title         TEXT NOT NULL,
    intro         TEXT NOT NULL,
    sections_json TEXT NOT NULL,
    source_name   TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (org_id, key)
);

ALTER TABLE supplier_questionnaire ADD COLUMN template_json TEXT;
ALTER TABLE supplier_questionnaire ADD COLUMN reeval_due TEXT;
ALTER TABLE supplier_questionnaire ADD COLUMN mailed_to TEXT;
CREATE UNIQUE INDEX supplier_questionnaire_reeval ON supplier_questionnaire (org_id, supplier_id, reeval_due);

CREATE TABLE supplier_questionnaire_file (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organization(id),
    questionnaire_id TEXT NOT NULL REFERENCES supplier_questionnaire(id),
    question_key     TEXT,
    sha256           TEXT NOT NULL,
    name             TEXT NOT NULL,
    size             BIGINT NOT NULL,
    content_type     TEXT NOT NULL,
    uploaded_at      BIGINT NOT NULL
);
CREATE INDEX supplier_questionnaire_file_q ON supplier_questionnaire_file (org_id, questionnaire_id);
CREATE INDEX supplier_questionnaire_file_sha ON supplier_questionnaire_file (org_id, sha256);
