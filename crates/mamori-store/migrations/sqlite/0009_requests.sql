-- Requests and approvals (申請・承認): request types per organisation (seeded from the shipped
-- catalogue; roles may be changed), requests with their fields and state, and the timeline of
-- transitions. Keep in step with the other engine's copy.

CREATE TABLE request_type (
    org_id     TEXT NOT NULL REFERENCES organization(id),
    key        TEXT NOT NULL,
    def_json   TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE request (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organization(id),
    number          BIGINT NOT NULL,
    type_key        TEXT NOT NULL,
    title           TEXT NOT NULL,
    state           TEXT NOT NULL,
    fields_json     TEXT NOT NULL,
    requester_id    TEXT NOT NULL REFERENCES app_user(id),
    requester_label TEXT NOT NULL,
    approver_label  TEXT,
    deadline        TEXT,
    record_ref      TEXT,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (org_id, number)
);
CREATE INDEX idx_request_state ON request (org_id, state);
CREATE INDEX idx_request_requester ON request (org_id, requester_id);

CREATE TABLE request_event (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organization(id),
    request_id  TEXT NOT NULL REFERENCES request(id),
    seq         BIGINT NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    actor_id    TEXT,
    actor_label TEXT NOT NULL,
    comment     TEXT NOT NULL,
    files_json  TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    UNIQUE (request_id, seq)
);

INSERT INTO role_permission (org_id, role_id, permission)
    SELECT org_id, id, 'requests.use' FROM role;
