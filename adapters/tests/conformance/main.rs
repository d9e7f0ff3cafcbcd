//! Conformance suites: each port's suite runs against every adapter. Cloud
//! adapters need their service (`STOREFRONT_TEST_REDIS`,
//! `STOREFRONT_TEST_AWS`, for TLS `STOREFRONT_TEST_POSTGRES_TLS`,
//! `STOREFRONT_TEST_REDIS_TLS` with their CA bundles, for mail
//! `STOREFRONT_TEST_SMTP`, `STOREFRONT_TEST_SMTPS` and the sink's
//! `STOREFRONT_TEST_SMTP_MAILDIR`); without it a cloud test is skipped with a note,
//! unless `STOREFRONT_REQUIRE_SERVICES=1` (set by the test command and CI),
//! where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)] // tests may fail loudly

mod cache;
mod kv;
mod mail;
mod objects;
mod queue;
mod stack;
mod tls;
