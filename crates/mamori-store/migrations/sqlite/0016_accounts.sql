-- Accounts (issue 14): case-insensitive login IDs, one-time reset passwords that expire, TOTP
-- MFA with hashed one-time recovery codes, and the organisation's "MFA for privileged roles".
-- Keep in step with the other engine's folder.

-- The login key is the login ID after NFKC and lower-casing (login IDs are ASCII, so LOWER is
-- exact); one key per organisation. Existing accounts that collide (e.g. `tm1` and `TM1`) are
-- kept: the oldest gets the plain key, every later one an unreachable key (`#` never occurs in a
-- login ID) and is disabled, so an administrator sees it on the users page and its history stays.
ALTER TABLE app_user ADD COLUMN login_key TEXT NOT NULL DEFAULT '';
UPDATE app_user SET login_key = LOWER(login_id);
UPDATE app_user SET login_key = login_key || '#' || id, disabled = 1
 WHERE EXISTS (
    SELECT 1 FROM app_user o
     WHERE o.org_id = app_user.org_id
       AND LOWER(o.login_id) = LOWER(app_user.login_id)
       AND (o.created_at < app_user.created_at OR (o.created_at = app_user.created_at AND o.id < app_user.id))
 );
CREATE UNIQUE INDEX idx_app_user_login_key ON app_user (org_id, login_key);
CREATE INDEX idx_app_user_key ON app_user (login_key);

-- An administrator's reset password works until then (NULL: no expiry).
ALTER TABLE app_user ADD COLUMN password_expires_at BIGINT;

-- 1: privileged roles (top_management, system_admin, security_manager) must enrol in MFA.
ALTER TABLE organization ADD COLUMN mfa_required BIGINT NOT NULL DEFAULT 0;

-- TOTP (RFC 6238): the pending secret until confirmed, then the secret; the last accepted time
-- step (a code is never accepted twice).
CREATE TABLE user_mfa (
    org_id         TEXT NOT NULL REFERENCES organization(id),
    user_id        TEXT NOT NULL REFERENCES app_user(id),
    secret         TEXT,
    pending_secret TEXT,
    last_step      BIGINT NOT NULL DEFAULT 0,
    enrolled_at    BIGINT,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

-- One-time recovery codes, stored as SHA-256.
CREATE TABLE user_recovery_code (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    user_id    TEXT NOT NULL REFERENCES app_user(id),
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id, code_hash)
);
