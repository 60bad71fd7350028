-- Private calendar feeds: one secret token per person (stored as its SHA-256); rotating it
-- makes the old URL stop working. Keep in step with ../postgres.

CREATE TABLE calendar_token (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    user_id    TEXT PRIMARY KEY REFERENCES app_user(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
