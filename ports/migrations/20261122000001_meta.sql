-- Key/value facts about this database (e.g. when demo data was seeded).
CREATE TABLE IF NOT EXISTS app_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
