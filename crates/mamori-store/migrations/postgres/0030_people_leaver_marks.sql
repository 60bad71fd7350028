-- The leaver checklist's marks (people and awareness, #17 items 1 and 7): what the system
-- found about an item on its own, beside the item's state.
--   person_leaver_mark: per checklist item (key, e.g. `login`, `m365_account`): the day it was
--     found done (done_on, YYYY-MM-DD; e.g. the login disabled by the daily job on the leave
--     date, the Microsoft 365 account found disabled or absent by the reconciliation), and a
--     flag when the evidence contradicts the leave (flag `m365_enabled`: the account can still
--     sign in after the leave date; `m365_signed_in`: it signed in after the leave date; empty:
--     none), with its detail (the sign-in time, RFC 3339 UTC, as the reconciliation knows it).
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE person_leaver_mark (
    org_id      TEXT NOT NULL REFERENCES organization(id),
    leaver_id   TEXT NOT NULL REFERENCES person_leaver(id),
    key         TEXT NOT NULL,
    done_on     TEXT,
    flag        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, leaver_id, key)
);
CREATE INDEX person_leaver_mark_flag ON person_leaver_mark (org_id, flag);
