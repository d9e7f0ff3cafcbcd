//! HTTP tests: the real router served on port 0 against fresh embedded
//! stores in a temporary folder (and the cloud services where configured).

mod catalog_pages;
mod edge;
mod fuzz;
mod health;
mod helpers;
