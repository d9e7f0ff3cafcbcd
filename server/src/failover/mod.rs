//! Static failover: a prerendered copy of the storefront that a plain
//! static host (an S3 bucket behind DNS failover) can serve when every
//! server is down. `prerender` renders the public catalog pages through the
//! real router (the same Leptos components), `rewrite` turns each page into
//! its offline form, and `publish` uploads the copy incrementally.

pub mod prerender;
pub mod publish;
pub mod rewrite;
pub mod schedule;
