-- Orders as the worker persists them. `id` is derived from the checkout's
-- idempotency key, so a redelivered message or a double submit hits the
-- primary key instead of creating a second order.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,          -- reserved | confirmed | rejected | cancelled | refunded
    reason TEXT,
    email TEXT NOT NULL,
    address TEXT NOT NULL,         -- JSON
    shipping TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    payment_auth TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orders_status_created ON orders (status, created_at);

CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no BIGINT NOT NULL,
    product_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- The test payment provider's ledger (a real provider keeps this on its side).
CREATE TABLE payments (
    auth_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    behaviour TEXT NOT NULL,       -- ok | decline_capture | flaky_capture
    status TEXT NOT NULL,          -- authorized | captured | voided | refunded | capture_declined
    capture_attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Why a queue message failed, by message id (shown beside dead letters).
CREATE TABLE message_failures (
    message_id TEXT PRIMARY KEY,
    order_id TEXT,
    receive_count BIGINT NOT NULL,
    reason TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
