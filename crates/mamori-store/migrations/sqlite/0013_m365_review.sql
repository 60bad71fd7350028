-- The yearly access-rights review (5.18, 8.2): the reviewer's decision per Microsoft 365
-- account and fiscal year. Keep in step with the other engine's copy.

CREATE TABLE m365_review_decision (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    year       BIGINT NOT NULL,
    upn        TEXT NOT NULL,
    decision   TEXT NOT NULL,
    note       TEXT NOT NULL,
    flags      TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, year, upn)
);
