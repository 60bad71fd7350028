-- Foundation: organisations, roles and permissions (data), users, sessions, audit trail.
-- Every domain row carries org_id. Instants are epoch milliseconds (BIGINT, UTC);
-- booleans are 0/1 BIGINT; ids are TEXT (UUIDv7). Keep in step with ../postgres.

CREATE TABLE organization (
    id                TEXT PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    lockout_threshold BIGINT NOT NULL DEFAULT 3,
    created_at        BIGINT NOT NULL
);

CREATE TABLE role (
    id      TEXT PRIMARY KEY,
    org_id  TEXT NOT NULL REFERENCES organization(id),
    key     TEXT NOT NULL,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL,
    UNIQUE (org_id, key)
);

CREATE TABLE role_permission (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    role_id    TEXT NOT NULL REFERENCES role(id),
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE app_user (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organization(id),
    login_id             TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    email                TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    failed_attempts      BIGINT NOT NULL DEFAULT 0,
    locked               BIGINT NOT NULL DEFAULT 0,
    locked_at            BIGINT,
    disabled             BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    UNIQUE (org_id, login_id)
);
CREATE INDEX idx_app_user_login ON app_user (login_id);

CREATE TABLE user_role (
    org_id  TEXT NOT NULL REFERENCES organization(id),
    user_id TEXT NOT NULL REFERENCES app_user(id),
    role_id TEXT NOT NULL REFERENCES role(id),
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE user_session (
    id_hash      TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organization(id),
    user_id      TEXT NOT NULL REFERENCES app_user(id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX idx_user_session_user ON user_session (user_id);

CREATE TABLE audit_log (
    org_id      TEXT NOT NULL REFERENCES organization(id),
    seq         BIGINT NOT NULL,
    at_ms       BIGINT NOT NULL,
    actor_id    TEXT,
    actor_label TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
