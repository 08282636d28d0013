-- API keys (only a salted SHA-256 of each secret is kept) and idempotency keys of submissions.

CREATE TABLE api_keys (
    key_id      TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('reader', 'operator')),
    salt        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- run_ids: JSON array of the runs the first request with this key created (chosen before they are).
CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY NOT NULL,
    request_hash TEXT NOT NULL,
    run_ids      TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
