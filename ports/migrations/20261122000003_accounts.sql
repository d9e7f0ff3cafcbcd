-- Accounts: shoppers and merchants. Emails are stored lower-cased.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,   -- argon2id PHC string
    role TEXT NOT NULL,            -- shopper | merchant
    created_at BIGINT NOT NULL
);

-- Password reset tokens, stored as SHA-256 of the token mailed to the user.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Merchant actions: who, what, when, before and after (JSON).
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Orders of signed-in shoppers carry their account.
ALTER TABLE orders ADD COLUMN user_id TEXT;
CREATE INDEX orders_user ON orders (user_id, created_at);
CREATE INDEX orders_created ON orders (created_at);
