-- Product reviews (issue 16): one per product per account (the primary
-- key), written only by an account with a confirmed order of the product,
-- shown once a merchant approves it. Editing a review sends it back to
-- moderation. Ratings are 1–5; bodies are plain text, at most 2,000
-- characters (checked by `domain::review`).
CREATE TABLE reviews (
    product_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    author TEXT NOT NULL,
    rating BIGINT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (product_id, user_id)
);
CREATE INDEX reviews_status ON reviews (status, updated_at);
