-- The first run's checklist (issue 15, item 1): most steps are worked out from the records they
-- leave (a regulation imported, duties confirmed, roles held, the SoA evaluated); this table
-- keeps only what leaves no record — that the offered registers and request types were reviewed
-- (step catalogue) and that the checklist was closed by hand (step dismissed) —, who and when.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE first_run_step (
    org_id   TEXT NOT NULL REFERENCES organization(id),
    step     TEXT NOT NULL,
    done_at  BIGINT NOT NULL,
    done_by  TEXT,
    PRIMARY KEY (org_id, step)
);
