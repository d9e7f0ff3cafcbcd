-- Sessions and carts move out of the cache (issue 15): the cache holds
-- derived data and may evict anything under pressure, which signed shoppers
-- out and emptied carts. Here they live until they expire; expired rows are
-- purged now and then. A session row is keyed by the SHA-256 of its cookie
-- id, so a database dump does not reveal live cookies; ending every session
-- of a user (a password reset) deletes its rows, which is durable.
CREATE TABLE sessions (
    key TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    body TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE carts (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX carts_expiry ON carts (expires_at);
