-- Run store, initial schema. Applied once by DbUp (journal: schemaversions), under an advisory lock.
-- Text columns that are sorted on use the "C" collation so that PostgreSQL orders them exactly as
-- SQLite's BINARY collation does: both stores return the same order.

CREATE TABLE experiments (
    name        text COLLATE "C" PRIMARY KEY,
    created_at  timestamptz NOT NULL
);

CREATE TABLE runs (
    run_id      text COLLATE "C" PRIMARY KEY,
    experiment  text COLLATE "C" NOT NULL REFERENCES experiments (name),
    name        text NOT NULL,
    spec_json   text NOT NULL,
    status      text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    stage       text NOT NULL CHECK (stage IN ('pending', 'sft', 'reward-model', 'policy', 'evaluation', 'done')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    error       text
);
CREATE INDEX runs_by_experiment ON runs (experiment, created_at DESC);
CREATE INDEX runs_by_created ON runs (created_at DESC);

CREATE TABLE run_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      text COLLATE "C" NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    kind        text NOT NULL,
    message     text NOT NULL
);
CREATE INDEX run_events_by_run ON run_events (run_id, seq);

CREATE TABLE metrics (
    run_id      text COLLATE "C" NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    name        text COLLATE "C" NOT NULL,
    step        bigint NOT NULL,
    value       double precision NOT NULL,
    recorded_at timestamptz NOT NULL,
    UNIQUE (run_id, name, step)
);

CREATE TABLE checkpoints (
    run_id      text COLLATE "C" NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    kind        text COLLATE "C" NOT NULL,
    version     integer NOT NULL,
    uri         text NOT NULL,
    sha256      text NOT NULL,
    size_bytes  bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    UNIQUE (run_id, kind, version)
);

CREATE TABLE results (
    run_id      text COLLATE "C" NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    key         text COLLATE "C" NOT NULL,
    value       double precision NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (run_id, key)
);
