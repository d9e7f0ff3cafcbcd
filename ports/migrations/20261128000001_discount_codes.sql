-- Discount codes (issue 16): an order stores the promotion it used (a code
-- or an automatic promotion), what it took off the lines, whether a code
-- was limited to one order per customer and whether it was automatic, so a
-- cancellation gives a code's use back exactly as the worker took it (an
-- automatic promotion has none). Promotions live in the catalog table.
ALTER TABLE orders ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN promo_code TEXT;
ALTER TABLE orders ADD COLUMN promo_once BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN promo_auto BIGINT NOT NULL DEFAULT 0;
