//! The catalog: products in the key-value table (single-table design, see
//! `store`), read through the cache (`cached`), and deterministic demo data
//! (`seed`).

pub mod cached;
pub mod seed;
pub mod store;

pub use cached::CachedCatalog;
pub use store::{stock_lines, stock_lines_of, CatalogStore, CodeClaim, OrderStock, Reservation, StockLine};
