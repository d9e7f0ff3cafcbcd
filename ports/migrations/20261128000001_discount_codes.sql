-- Discount codes (issue 16): an order stores the code it used, what the
-- code took off its lines, and whether the code was limited to one order
-- per customer, so a cancellation gives the code's use back exactly as the
-- worker took it. Codes themselves live in the catalog table beside stock.
ALTER TABLE orders ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN promo_code TEXT;
ALTER TABLE orders ADD COLUMN promo_once BIGINT NOT NULL DEFAULT 0;
