-- Mail outbox (issue 14): every mail the shop sends is a row written in the
-- same transaction as what it tells about (the order's new status, the reset
-- token, the new account), and a relay sends it later with retries. A failed
-- send never blocks or undoes the order; a mail is stored once per event
-- (`id` is the event's key, e.g. order_confirmed:<order id>).
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('order_confirmed', 'order_rejected', 'order_cancelled', 'order_refunded', 'password_reset', 'email_verification')),
    recipient TEXT NOT NULL,
    subject_ref TEXT NOT NULL,      -- the order id, or the account id
    payload TEXT NOT NULL,          -- JSON the template needs beyond the order (a link); emptied once sent
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,        -- not before (backoff after a failed send)
    lease_until BIGINT NOT NULL DEFAULT 0,  -- a relay is sending it until then
    sent_at BIGINT,
    failed_at BIGINT,               -- given up: refused for good, or too many attempts
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, failed_at, next_at);

-- Address checks: an account's e-mail is verified when its owner opens the
-- link mailed at sign-up (the token stored as its SHA-256, as for resets).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
