//! Conformance suites: each port's suite runs against every adapter. Cloud
//! adapters need their service (`STOREFRONT_TEST_REDIS`,
//! `STOREFRONT_TEST_AWS`, and for TLS `STOREFRONT_TEST_POSTGRES_TLS`,
//! `STOREFRONT_TEST_REDIS_TLS` with their CA bundles); without it a cloud test is skipped with a note,
//! unless `STOREFRONT_REQUIRE_SERVICES=1` (set by the test command and CI),
//! where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)] // tests may fail loudly

mod cache;
mod kv;
mod objects;
mod queue;
mod tls;
