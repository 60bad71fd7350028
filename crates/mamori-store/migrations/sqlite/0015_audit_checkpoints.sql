-- Signed checkpoints of each organisation's audit chain head (Ed25519). The private key lives
-- outside the database (a key file); the public key and its id are kept with each checkpoint.
CREATE TABLE audit_checkpoint (
    org_id       TEXT NOT NULL REFERENCES organization(id),
    seq          BIGINT NOT NULL,
    head_hash    TEXT NOT NULL,
    row_count    BIGINT NOT NULL,
    signed_at_ms BIGINT NOT NULL,
    signature    TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
