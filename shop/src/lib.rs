//! The shop's use cases, on the ports only (never an adapter): the catalog
//! store and its cache policy, carts, checkout, orders and their admin,
//! accounts, recommendations, the mails they send; `jobs/` holds every
//! background job (the order worker, the reconciler, the recommendations
//! schedule, the mail relay).

pub mod accounts;
pub mod catalog;
pub mod forms;
pub mod ids;
pub mod jobs;
pub mod mail;
pub mod ops;
pub mod orders;
pub mod pipeline;
pub mod recommend;
pub mod reviews;
pub mod stock_alerts;
pub mod trace;
pub mod wishlist;
