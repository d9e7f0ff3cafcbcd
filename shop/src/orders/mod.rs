//! The order pipeline: carts (in the cache), checkout (validate, price from
//! the catalog, authorize, enqueue), the worker (reserve stock, persist,
//! capture, compensate) and the order repository.

pub mod admin;
pub mod cart;
pub mod checkout;
pub mod outbox;
pub mod repo;
pub mod reversal;
mod rows;

pub use repo::OrderRepo;
