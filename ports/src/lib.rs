//! Ports: the contracts between the shop's use cases and the outside world.
//! One small trait per external service (cache, key-value table, queue,
//! object store, mail, payments, identity), the SQL database handle, the clock,
//! `PortError`, and the typed settings that pick an adapter for each port.
//! The adapters live in the `adapters` crate; the use cases in `shop`.

pub mod cache;
pub mod clock;
pub mod config;
pub mod database;
pub mod error;
pub mod flight;
pub mod identity;
pub mod kv;
pub mod mail;
pub mod objects;
pub mod payments;
pub mod queue;
pub mod services;

pub use error::{PortError, PortResult};
pub use services::{DependencyStatus, Services};
