-- The W3C trace context of the checkout that accepted the order (issue 14):
-- the relay sends it beside the request id as the message's `traceparent`
-- attribute, so the worker's span continues the checkout's trace. NULL when
-- no trace was being exported.
ALTER TABLE checkouts ADD COLUMN trace_parent TEXT;
