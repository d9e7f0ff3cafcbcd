-- A return request still open when the shop cancels or refunds the whole
-- order is closed in the same transaction (status 'closed'): it no longer
-- waits for a decision the shop can no longer make. The status list grows
-- by one; as in 20261127000001_status_checks.sql, the table is rebuilt with
-- the same SQL on both backends (SQLite has no ALTER … ADD CHECK).

CREATE TABLE return_requests_new (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'refused', 'refunded', 'closed')),
    lines TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT,
    refund_id TEXT,
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
INSERT INTO return_requests_new (id, order_id, status, lines, reason, note, refund_id, created_at, decided_at)
    SELECT id, order_id, status, lines, reason, note, refund_id, created_at, decided_at FROM return_requests;
DROP TABLE return_requests;
ALTER TABLE return_requests_new RENAME TO return_requests;
CREATE INDEX return_requests_order ON return_requests (order_id, created_at);
CREATE INDEX return_requests_status ON return_requests (status, created_at);
