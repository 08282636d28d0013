-- One driver per run: the driver holds a lease it renews while it works; another process may take
-- the run over only once the lease has expired (its holder died or stalled past the lease time).

CREATE TABLE run_leases (
    run_id      text PRIMARY KEY REFERENCES runs (run_id) ON DELETE CASCADE,
    owner       text NOT NULL,
    expires_at  text NOT NULL
);
