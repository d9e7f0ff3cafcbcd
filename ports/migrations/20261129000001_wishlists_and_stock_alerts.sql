-- Wishlists and back-in-stock alerts (issue 16).
--
-- An account's wishlist is a list of products, newest first; a guest's is
-- kept with its cart (`carts.body`) and moves here when it signs in.
CREATE TABLE wishlist_items (
    user_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, product_id)
);

-- "Tell me when it's back": one row per (variant, address). The alert job
-- writes one mail into the outbox and sets `sent_at` in one transaction
-- when the variant has stock again; asking again after that re-arms it.
CREATE TABLE stock_alerts (
    sku TEXT NOT NULL,
    email TEXT NOT NULL,
    product_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    PRIMARY KEY (sku, email)
);
CREATE INDEX stock_alerts_waiting ON stock_alerts (sent_at, sku);

-- The outbox learns the new kind. Its CHECK lists the kinds, and SQLite
-- cannot alter a CHECK, so the table is rebuilt the same way on both.
CREATE TABLE mail_outbox_next (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('order_confirmed', 'order_rejected', 'order_cancelled', 'order_refunded', 'password_reset', 'email_verification', 'back_in_stock')),
    recipient TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
INSERT INTO mail_outbox_next (id, kind, recipient, subject_ref, payload, attempts, next_at, lease_until, sent_at, failed_at, last_error, created_at)
    SELECT id, kind, recipient, subject_ref, payload, attempts, next_at, lease_until, sent_at, failed_at, last_error, created_at FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_next RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, failed_at, next_at);
