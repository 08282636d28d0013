-- API keys (only a salted SHA-256 of each secret is kept) and idempotency keys of submissions.

CREATE TABLE api_keys (
    key_id      text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('reader', 'operator')),
    salt        text NOT NULL,
    hash        text NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

-- run_ids: JSON array of the runs the first request with this key created (chosen before they are).
CREATE TABLE idempotency_keys (
    key          text COLLATE "C" PRIMARY KEY,
    request_hash text NOT NULL,
    run_ids      text NOT NULL,
    created_at   timestamptz NOT NULL
);
