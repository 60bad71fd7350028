-- Suppliers, cloud services and outsourcing (issue 19). A supplier is a row of the
-- `suppliers` register (取引先・委託先管理台帳); what the register cannot hold lives here and
-- beside it:
--   supplier_requirement: each requirement of mamori_domain::supplier confirmed per supplier
--     (state unconfirmed | confirmed | not_applicable | deviation, its evidence, who and when).
--   duty.supplier_id: the supplier a duty was generated for (its kind's recurring checks).
--   open_item.supplier_id: the supplier a regulation's draft note waits for (it names it).
-- Keep in step with the other engine's folder (same DDL).

ALTER TABLE duty ADD COLUMN supplier_id TEXT;
ALTER TABLE open_item ADD COLUMN supplier_id TEXT;

CREATE TABLE supplier_requirement (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    supplier_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    state        TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at BIGINT,
    updated_at   BIGINT NOT NULL,
    UNIQUE (org_id, supplier_id, key)
);
CREATE INDEX supplier_requirement_supplier ON supplier_requirement (org_id, supplier_id);

-- Security questionnaires sent to a supplier's contact as a personal link: the link's token is
-- stored as its SHA-256 only; it expires; the answers (JSON by question key) and their score.
--   state: sent | answered.
CREATE TABLE supplier_questionnaire (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    supplier_id  TEXT NOT NULL,
    template     TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL,
    sent_at      BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    answered_at  BIGINT,
    respondent   TEXT,
    answers_json TEXT,
    score        BIGINT,
    created_by   TEXT NOT NULL
);
CREATE INDEX supplier_questionnaire_supplier ON supplier_questionnaire (org_id, supplier_id);
