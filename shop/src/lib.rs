//! The shop's use cases, on the ports only (never an adapter): the catalog
//! store and its cache policy, carts, checkout, orders and their admin,
//! accounts, recommendations; `jobs/` holds every background job (the order
//! worker, the reconciler, the recommendations schedule).

pub mod accounts;
pub mod catalog;
pub mod forms;
pub mod ids;
pub mod jobs;
pub mod ops;
pub mod orders;
pub mod pipeline;
pub mod recommend;
