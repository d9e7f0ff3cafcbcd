//! Conformance suites: each port's suite runs against every adapter. Cloud
//! adapters need their service (`STOREFRONT_TEST_REDIS`,
//! `STOREFRONT_TEST_AWS`, `STOREFRONT_TEST_POSTGRES`, and for the pipeline
//! `STOREFRONT_TEST_AWS_SERIAL`: a moto that answers one request at a time,
//! `scripts/moto-serial.py`, since concurrent workers against the stock
//! threaded moto see its DynamoDB transactions race); without it a cloud
//! test is skipped with a note, unless `STOREFRONT_REQUIRE_SERVICES=1`
//! (set by the test command and CI), where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)] // tests may fail loudly

/// Each named test runs twice: on the embedded stack, and on the cloud one
/// (named `$cloud`) when its services are up. The file defines `stack(cloud)`.
macro_rules! on_both_stacks {
    ($cloud:ident: $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn embedded() {
                super::$name(super::stack(false).await.unwrap()).await;
            }
            #[tokio::test]
            async fn $cloud() {
                let Some(s) = super::stack(true).await else { return };
                super::$name(s).await;
            }
        }
    )*};
}

mod accounts;
mod cart;
mod catalog;
mod codes;
mod listing_lag;
mod ops;
mod order_mail;
mod pipeline;
mod pipeline_trust;
mod recommend;
mod refunds;
mod returns;
mod reviews;
mod rules;
mod stored_values;
mod taxes;
mod wishlist;
