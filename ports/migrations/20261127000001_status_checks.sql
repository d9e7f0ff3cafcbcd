-- Status columns accept only the names the code knows (issue 13): a status
-- this code would refuse to read is refused on write too. Neither backend
-- has a shared "ALTER TABLE … ADD CHECK" (SQLite has none), so each table is
-- rebuilt with the same SQL on both: a new table with the constraint, the
-- rows copied, the old table dropped (children first), the new one renamed,
-- its indexes made again. The lists match `StatusKind::ALL`, the payment
-- provider's states, `recommend::Status` and `order_reversals`' steps.

CREATE TABLE orders_new (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('pending', 'reserved', 'confirmed', 'rejected', 'cancelled', 'refunded')),
    reason TEXT,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    shipping TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    payment_auth TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    user_id TEXT
);
INSERT INTO orders_new (id, status, reason, email, address, shipping, currency, subtotal_minor, shipping_minor, total_minor, payment_auth, request_id, created_at, updated_at, user_id)
    SELECT id, status, reason, email, address, shipping, currency, subtotal_minor, shipping_minor, total_minor, payment_auth, request_id, created_at, updated_at, user_id FROM orders;

CREATE TABLE order_lines_new (
    order_id TEXT NOT NULL REFERENCES orders_new (id),
    line_no BIGINT NOT NULL,
    product_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
INSERT INTO order_lines_new (order_id, line_no, product_id, sku, title, unit_price_minor, quantity)
    SELECT order_id, line_no, product_id, sku, title, unit_price_minor, quantity FROM order_lines;

DROP TABLE order_lines;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
ALTER TABLE order_lines_new RENAME TO order_lines;
CREATE INDEX orders_status_created ON orders (status, created_at);
CREATE INDEX orders_user ON orders (user_id, created_at);
CREATE INDEX orders_created ON orders (created_at);

CREATE TABLE payments_new (
    auth_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    behaviour TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('authorized', 'captured', 'voided', 'refunded', 'capture_declined')),
    capture_attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    captured_minor BIGINT
);
INSERT INTO payments_new (auth_id, order_id, amount_minor, currency, card_last4, behaviour, status, capture_attempts, created_at, updated_at, captured_minor)
    SELECT auth_id, order_id, amount_minor, currency, card_last4, behaviour, status, capture_attempts, created_at, updated_at, captured_minor FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_status_created ON payments (status, created_at);

CREATE TABLE order_reversals_new (
    order_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('cancel', 'refund')),
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('refund', 'release', 'status', 'done')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO order_reversals_new (order_id, kind, reason, actor, step, created_at, updated_at)
    SELECT order_id, kind, reason, actor, step, created_at, updated_at FROM order_reversals;
DROP TABLE order_reversals;
ALTER TABLE order_reversals_new RENAME TO order_reversals;

CREATE TABLE reco_runs_new (
    id BIGINT PRIMARY KEY,
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'cli', 'admin')),
    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'compensated')),
    step TEXT NOT NULL CHECK (step IN ('export', 'compute', 'write', 'switch')),
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
    purged BIGINT NOT NULL DEFAULT 0
);
INSERT INTO reco_runs_new (id, triggered_by, status, step, error, started_at, finished_at, export_ms, compute_ms, write_ms, switch_ms, orders, customers, products, pairs, items, purged)
    SELECT id, triggered_by, status, step, error, started_at, finished_at, export_ms, compute_ms, write_ms, switch_ms, orders, customers, products, pairs, items, purged FROM reco_runs;
DROP TABLE reco_runs;
ALTER TABLE reco_runs_new RENAME TO reco_runs;
CREATE INDEX reco_runs_status ON reco_runs (status, purged);

CREATE TABLE reconcile_runs_new (
    id BIGINT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    resent BIGINT NOT NULL DEFAULT 0,
    settled BIGINT NOT NULL DEFAULT 0,
    voided BIGINT NOT NULL DEFAULT 0,
    reversals BIGINT NOT NULL DEFAULT 0,
    error TEXT
);
INSERT INTO reconcile_runs_new (id, started_at, finished_at, status, resent, settled, voided, reversals, error)
    SELECT id, started_at, finished_at, status, resent, settled, voided, reversals, error FROM reconcile_runs;
DROP TABLE reconcile_runs;
ALTER TABLE reconcile_runs_new RENAME TO reconcile_runs;
