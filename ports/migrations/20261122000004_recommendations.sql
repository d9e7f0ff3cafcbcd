-- Runs of the recommendations job (infra/src/recommend): one row per run.
-- `id` is also the version number of the results the run writes to the
-- catalog table, so a version is never reused.
CREATE TABLE reco_runs (
    id BIGINT PRIMARY KEY,
    triggered_by TEXT NOT NULL,    -- schedule | cli | admin
    status TEXT NOT NULL,          -- running | succeeded | failed | compensated
    step TEXT NOT NULL,            -- export | compute | write | switch: the last one entered
    error TEXT,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    export_ms BIGINT,
    compute_ms BIGINT,
    write_ms BIGINT,
    switch_ms BIGINT,
    orders BIGINT NOT NULL DEFAULT 0,
    customers BIGINT NOT NULL DEFAULT 0,
    products BIGINT NOT NULL DEFAULT 0,
    pairs BIGINT NOT NULL DEFAULT 0,
    items BIGINT NOT NULL DEFAULT 0,
    purged BIGINT NOT NULL DEFAULT 0 -- 1 once its items and snapshot are deleted
);
CREATE INDEX reco_runs_status ON reco_runs (status, purged);

-- The job lock: one row while a run holds it. A run takes it with a
-- conditional upsert (free or expired) and renews the expiry between steps,
-- so a crashed run's lock lapses on its own.
CREATE TABLE reco_lock (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
