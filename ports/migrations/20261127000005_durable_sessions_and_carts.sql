-- Sessions and carts move out of the cache (issue 15): the cache holds
-- derived data and may evict anything under pressure, which signed shoppers
-- out and emptied carts. Here they live until they expire; expired rows are
-- purged now and then. A session row is keyed by the SHA-256 of its cookie
-- id, so a database dump does not reveal live cookies; ending every session
-- of a user (a password reset) deletes its rows and marks the user, which
-- is durable.
CREATE TABLE sessions (
    key TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    body TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- A password reset marks the time before which no session of the user
-- counts (checked on every read), and deletes those it finds: a sign-in
-- with the old password that was under way during the reset cannot slip
-- a session in after the delete.
ALTER TABLE users ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;

CREATE TABLE carts (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX carts_expiry ON carts (expires_at);
