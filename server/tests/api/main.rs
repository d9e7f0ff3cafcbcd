//! HTTP tests: the real router served on port 0 against fresh embedded
//! stores in a temporary folder (and the cloud services where configured).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::type_complexity)] // tests may fail loudly

mod accounts;
mod admin;
mod admin_ops;
mod catalog_pages;
mod checkout_zones;
mod codes;
mod edge;
mod failover;
mod fuzz;
mod health;
mod helpers;
mod no_wasm;
mod oidc;
mod page_cache;
mod recommend;
mod refunds;
mod returns;
mod reviews;
mod rules_admin;
mod shutdown;
mod wishlist;
