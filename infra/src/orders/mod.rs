//! The order pipeline: carts (in the cache), checkout (validate, price from
//! the catalog, authorize, enqueue), the worker (reserve stock, persist,
//! capture, compensate) and the order repository.

pub mod admin;
pub mod cart;
pub mod checkout;
pub mod outbox;
pub mod pipeline;
pub mod reconcile;
pub mod repo;
pub mod reversal;
pub mod worker;

pub use repo::OrderRepo;
