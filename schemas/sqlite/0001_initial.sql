-- Run store, initial schema (SQLite). Applied once by DbUp (journal: SchemaVersions).
-- Timestamps are UTC text 'yyyy-MM-ddTHH:mm:ss.ffffffZ' (microseconds, like PostgreSQL's timestamptz),
-- so they sort as text. SQLite stores a NaN REAL as NULL, so value columns allow NULL: NULL reads as NaN.

CREATE TABLE experiments (
    name        TEXT PRIMARY KEY NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE runs (
    run_id      TEXT PRIMARY KEY NOT NULL,
    experiment  TEXT NOT NULL REFERENCES experiments (name),
    name        TEXT NOT NULL,
    spec_json   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    stage       TEXT NOT NULL CHECK (stage IN ('pending', 'sft', 'reward-model', 'policy', 'evaluation', 'done')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    error       TEXT
);
CREATE INDEX runs_by_experiment ON runs (experiment, created_at DESC);
CREATE INDEX runs_by_created ON runs (created_at DESC);

CREATE TABLE run_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL
);
CREATE INDEX run_events_by_run ON run_events (run_id, seq);

CREATE TABLE metrics (
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    step        INTEGER NOT NULL,
    value       REAL,
    recorded_at TEXT NOT NULL,
    UNIQUE (run_id, name, step)
);

CREATE TABLE checkpoints (
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    uri         TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (run_id, kind, version)
);

CREATE TABLE results (
    run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       REAL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
