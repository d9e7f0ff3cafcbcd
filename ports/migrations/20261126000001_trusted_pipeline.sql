-- The order pipeline you can trust (issue 12).
--
-- `checkouts` is the transactional outbox and the durable "accepted" record:
-- checkout writes the order message here in one transaction and answers; a
-- relay sends it to the queue and stamps `sent_at`. A crash anywhere sends it
-- at least once (the worker is idempotent). The order page reads this row,
-- never a cache marker. `cart_claim` (cart id + cart generation) is unique:
-- one cart makes one order, however many tabs submit it.
CREATE TABLE checkouts (
    order_id TEXT PRIMARY KEY,
    cart_id TEXT NOT NULL,
    cart_claim TEXT NOT NULL UNIQUE,
    fingerprint TEXT NOT NULL,     -- SHA-256 of the priced cart: lines, quantities, prices, shipping, total
    queue TEXT NOT NULL,           -- orders | sale
    group_id TEXT,                 -- FIFO message group (sale item SKU)
    body TEXT NOT NULL,            -- the order message (JSON)
    payment_auth TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    request_id TEXT NOT NULL,
    send_attempts BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT,                -- NULL until the relay has sent it
    created_at BIGINT NOT NULL
);
CREATE INDEX checkouts_unsent ON checkouts (sent_at, created_at);
CREATE INDEX checkouts_created ON checkouts (created_at);
CREATE INDEX checkouts_auth ON checkouts (payment_auth);

-- What the provider captured (the worker passes the order total; the
-- provider refuses any other amount).
ALTER TABLE payments ADD COLUMN captured_minor BIGINT;
CREATE INDEX payments_status_created ON payments (status, created_at);

-- A merchant's cancel/refund as a saga with persisted state: refund, then
-- stock release, then the status change (with its audit entry, in one
-- transaction). A crash between steps is resumed by the reconciler.
CREATE TABLE order_reversals (
    order_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,            -- cancel | refund
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    step TEXT NOT NULL,            -- refund | release | status | done
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every reconciler run: what it found and what it did.
CREATE TABLE reconcile_runs (
    id BIGINT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL,          -- running | ok | failed
    resent BIGINT NOT NULL DEFAULT 0,
    settled BIGINT NOT NULL DEFAULT 0,
    voided BIGINT NOT NULL DEFAULT 0,
    reversals BIGINT NOT NULL DEFAULT 0,
    error TEXT
);
