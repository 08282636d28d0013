-- Orleans cluster membership and reminders (Rlhf:Cluster:Kind=postgres), read and written by
-- RlhfPlatform.Silo.Clustering on Npgsql. One version row per cluster id; every membership change
-- bumps it under a compare-and-swap on its etag, as Orleans' IMembershipTable contract asks.

CREATE TABLE orleans_membership_version (
    cluster_id  text COLLATE "C" PRIMARY KEY,
    version     integer NOT NULL,
    etag        text NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE orleans_membership (
    cluster_id      text COLLATE "C" NOT NULL REFERENCES orleans_membership_version (cluster_id) ON DELETE CASCADE,
    silo_address    text COLLATE "C" NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          integer NOT NULL,
    proxy_port      integer NOT NULL,
    suspect_times   text NOT NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    etag            text NOT NULL,
    PRIMARY KEY (cluster_id, silo_address)
);

CREATE TABLE orleans_reminders (
    service_id      text COLLATE "C" NOT NULL,
    grain_id        text COLLATE "C" NOT NULL,
    reminder_name   text COLLATE "C" NOT NULL,
    grain_hash      bigint NOT NULL,
    start_time      timestamptz NOT NULL,
    period_ms       bigint NOT NULL,
    etag            text NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);
CREATE INDEX orleans_reminders_by_hash ON orleans_reminders (service_id, grain_hash);
