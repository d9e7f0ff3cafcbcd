-- Wishlists, back-in-stock alerts, partial refunds and return requests (issue 16).
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

-- A merchant's refund of some lines (and maybe shipping), as a saga like
-- `order_reversals`: the intent with its checked plan (JSON,
-- `domain::refund::RefundPlan`) first, then the money (idempotent at the
-- provider under this id), the restock (once, by a marker in the catalog
-- table), and the record (audit, mail, step `done`) in one transaction.
-- The reconciler resumes one left behind. `orders.refund_seq` is bumped in
-- the intent's transaction: two refunds of one order are planned one after
-- the other, never both from the same "refunded so far".
CREATE TABLE order_refunds (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('refund', 'restock', 'record', 'done')),
    plan TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX order_refunds_order ON order_refunds (order_id, created_at);
CREATE INDEX order_refunds_open ON order_refunds (step, updated_at);
ALTER TABLE orders ADD COLUMN refund_seq BIGINT NOT NULL DEFAULT 0;

-- A shopper's return request (`domain::returns`): the units asked for
-- (JSON [[sku, units], ...]) and why; the merchant approves or refuses it
-- (`note`, the reason shown to the shopper); a line refund made for an
-- approved request marks it `refunded` (`refund_id`) in the refund's last
-- transaction.
CREATE TABLE return_requests (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'refused', 'refunded')),
    lines TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT,
    refund_id TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX return_requests_order ON return_requests (order_id, created_at);
CREATE INDEX return_requests_status ON return_requests (status, created_at);
-- Bumped with each new request, from the value it was checked with: two
-- requests at once never both count on the same units.
ALTER TABLE orders ADD COLUMN return_seq BIGINT NOT NULL DEFAULT 0;

-- The test payment provider's partial refunds (one row per refund id).
CREATE TABLE payment_refunds (
    refund_id TEXT PRIMARY KEY,
    auth_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX payment_refunds_auth ON payment_refunds (auth_id);

-- The outbox learns the new kinds. Its CHECK lists the kinds, and SQLite
-- cannot alter a CHECK, so the table is rebuilt the same way on both.
CREATE TABLE mail_outbox_next (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('order_confirmed', 'order_rejected', 'order_cancelled', 'order_refunded', 'password_reset', 'email_verification', 'back_in_stock', 'refund_issued', 'return_requested', 'return_approved', 'return_refused')),
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
