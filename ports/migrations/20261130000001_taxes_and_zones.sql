-- Taxes and shipping zones: an order keeps the method as the shopper chose
-- it and the taxes it charged (per line and grouped, as JSON:
-- `domain::tax::OrderTax`), so receipts, refunds and the admin read what
-- was charged, never today's rates. Orders from before carry no tax.
ALTER TABLE orders ADD COLUMN shipping_label TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN tax_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax TEXT NOT NULL DEFAULT '{}';
