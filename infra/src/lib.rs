//! Ports and adapters. Each external service sits behind one small trait with
//! an embedded adapter (runs with nothing installed) and a cloud adapter
//! (Redis, SQS, DynamoDB, S3, PostgreSQL). `Settings` picks the adapter;
//! `Services::connect` builds them all once at start-up.

pub mod accounts;
pub mod aws;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod database;
pub mod error;
pub mod kv;
pub mod mail;
pub mod objects;
pub mod orders;
pub mod payments;
pub mod queue;
pub mod recommend;
pub mod services;

pub use error::{PortError, PortResult};
pub use services::{DependencyStatus, Services};
