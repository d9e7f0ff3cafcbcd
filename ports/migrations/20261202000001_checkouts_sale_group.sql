-- Checkout counts the flash-sale orders accepted a moment ago and not yet
-- reserved (rows of one sale group, recent ones only) before it places a
-- payment hold: this index keeps that count to the group's recent rows.

CREATE INDEX checkouts_sale_group ON checkouts (group_id, created_at);
