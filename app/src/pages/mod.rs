pub mod home;
pub mod listing;
pub mod not_found;
pub mod product;
mod product_ld;
pub mod shop;
