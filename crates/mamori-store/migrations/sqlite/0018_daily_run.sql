-- The daily worker's claim: one row per (organisation, job) with the last day (YYYY-MM-DD, in
-- Japan) it ran. A server runs the day's job only when its conditional UPDATE moves `last_day`
-- forward, so several servers on one database run it once per organisation per day.
-- Keep in step with the other engine's folder.

CREATE TABLE daily_run (
    org_id   TEXT NOT NULL REFERENCES organization(id),
    job      TEXT NOT NULL,
    last_day TEXT NOT NULL,
    PRIMARY KEY (org_id, job)
);
