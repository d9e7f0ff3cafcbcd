//! The order pipeline: carts (in the database), checkout (validate, price from
//! the catalog, authorize, enqueue), the worker (reserve stock, persist,
//! capture, compensate) and the order repository.

pub mod admin;
pub mod cart;
mod cart_store;
pub mod checkout;
pub mod codes;
pub mod outbox;
pub mod refunds;
pub mod repo;
pub mod returns;
pub mod reversal;
mod rows;
mod sale_admission;
mod sent_stamps;

pub use repo::OrderRepo;
