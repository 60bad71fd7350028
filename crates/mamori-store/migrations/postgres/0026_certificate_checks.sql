-- The certificate check (8.24): what mamori found when it read the TLS certificate of a host
-- named in a row of 証明書・ドメイン管理台帳 (its field check_host), one row per check.
--   host: host:port as checked; outcome ok | attention | failed; findings: the comma-separated
--   finding keys (expiry_differs, expires_soon, expired, not_yet_valid, name_not_covered,
--   unreachable, timeout, handshake_failed, unreadable, invalid_host), rendered in Japanese by
--   the pages; not_before / not_after (epoch ms), issuer, subject, dns_names (JSON array) from
--   the certificate when one was read; registered_expiry: the row's 有効期限 at the time (the
--   check never writes the row); detail: the technical error, for the logs and the CLI;
--   checked_by: a user id, or 'daily' / 'cli'.
-- Keep in step with the other engine's folder (same DDL).

CREATE TABLE certificate_check (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organization(id),
    row_id            TEXT NOT NULL,
    host              TEXT NOT NULL,
    checked_at        BIGINT NOT NULL,
    outcome           TEXT NOT NULL,
    findings          TEXT NOT NULL,
    not_before        BIGINT,
    not_after         BIGINT,
    issuer            TEXT,
    subject           TEXT,
    dns_names         TEXT NOT NULL,
    registered_expiry TEXT,
    detail            TEXT NOT NULL,
    checked_by        TEXT NOT NULL
);
CREATE INDEX certificate_check_row ON certificate_check (org_id, row_id, checked_at);
CREATE INDEX certificate_check_org ON certificate_check (org_id, checked_at);
