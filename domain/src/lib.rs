//! Storefront business types. Parse, don't validate: every type here is built
//! through a constructor that checks its rules, so a value that exists is valid.
//! No I/O, no async: this crate compiles to Wasm for the browser too.

pub mod account;
pub mod cart;
pub mod catalog;
pub mod ids;
pub use catalog::{Listing, Page, ProductCard, Sort};
pub use ids::{IdError, OrderId, ProductId, UserId};
pub mod money;
pub mod order;
pub mod pricing;
pub mod product;
pub mod product_form;
pub mod promo;
pub mod recommend;
pub mod recommend_eval;
pub mod refund;
pub mod returns;
pub mod review;
pub mod rng;
pub mod rules;
pub mod search;
pub mod shipping;
mod sql;
pub mod tax;
pub mod text;
pub mod wishlist;

pub use money::{Currency, Money, MoneyError};
pub use product::{Image, OptionValue, Product, ProductDraft, ProductError, ProductStatus, Variant, VariantDraft};
pub use text::{CategoryPath, Sku, Slug, TextError};
