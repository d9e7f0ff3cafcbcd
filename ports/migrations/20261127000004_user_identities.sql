-- Sign-in through an outside OpenID Connect issuer (issue 14): each
-- (issuer, subject) pair opens one account. The subject is the issuer's
-- stable id for the person; the e-mail is only used to find or create the
-- account the first time, and only when the issuer says it verified it.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);
