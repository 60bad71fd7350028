-- Microsoft 365 events, reshaped for imports of millions of rows (see ARCHITECTURE.md):
-- - m365_event is narrow and clustered by (org, time, AuditData.Id): the primary key is both
--   the de-duplication and the time index;
-- - the raw AuditData lives in m365_segment, a compressed batch per import batch (codec 'lz4',
--   layout in mamori_m365::segment) or one plain JSON text (codec 'json', rows migrated here);
-- - m365_term lists, per user / operation / IP / workload, the days it occurs on, so searches
--   visit only those days; kind 's' lists the days of a user's successful sign-ins;
-- - m365_user_network is the per-user baseline of sign-in networks (first seen), for the
--   new-network detection;
-- - m365_settings holds an organisation's detection thresholds, allow list and retention.
-- Keep in step with the other engine's copy.

CREATE TABLE m365_segment (
    org_id   TEXT NOT NULL REFERENCES organization(id),
    id       BIGINT NOT NULL,
    import_id TEXT NOT NULL,
    codec    TEXT NOT NULL,
    entries  BIGINT NOT NULL,
    first_at TEXT NOT NULL,
    last_at  TEXT NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE m365_event_v2 (
    org_id      TEXT NOT NULL,
    at          TEXT NOT NULL,
    audit_id    TEXT NOT NULL,
    operation   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    ip          TEXT NOT NULL,
    workload    TEXT NOT NULL,
    record_type BIGINT NOT NULL,
    result      TEXT NOT NULL,
    seg         BIGINT NOT NULL,
    slot        BIGINT NOT NULL,
    PRIMARY KEY (org_id, at, audit_id)
) WITHOUT ROWID;

INSERT INTO m365_segment (org_id, id, import_id, codec, entries, first_at, last_at, data)
    SELECT org_id, -rowid, import_id, 'json', 1, at, at, CAST(raw AS BLOB) FROM m365_event;
INSERT INTO m365_event_v2 (org_id, at, audit_id, operation, user_id, ip, workload, record_type, result, seg, slot)
    SELECT org_id, at, audit_id, operation, user_id, ip, workload, record_type, result, -rowid, 0 FROM m365_event;
DROP TABLE m365_event;
ALTER TABLE m365_event_v2 RENAME TO m365_event;

CREATE TABLE m365_term (
    org_id TEXT NOT NULL,
    kind   TEXT NOT NULL,
    term   TEXT NOT NULL,
    day    TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, term, day)
) WITHOUT ROWID;

INSERT INTO m365_term (org_id, kind, term, day)
    SELECT DISTINCT org_id, 'u', user_id, substr(at, 1, 10) FROM m365_event WHERE user_id <> ''
    UNION SELECT DISTINCT org_id, 'o', operation, substr(at, 1, 10) FROM m365_event WHERE operation <> ''
    UNION SELECT DISTINCT org_id, 'i', ip, substr(at, 1, 10) FROM m365_event WHERE ip <> ''
    UNION SELECT DISTINCT org_id, 'w', workload, substr(at, 1, 10) FROM m365_event WHERE workload <> ''
    UNION SELECT DISTINCT org_id, 's', user_id, substr(at, 1, 10) FROM m365_event WHERE operation = 'UserLoggedIn';

CREATE TABLE m365_user_network (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    user_id    TEXT NOT NULL,
    network    TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id, network)
);

CREATE TABLE m365_settings (
    org_id        TEXT PRIMARY KEY REFERENCES organization(id),
    settings_json TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
