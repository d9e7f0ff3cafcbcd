//! Adapters: the embedded and cloud implementation of every port in `ports`
//! (memory/Redis cache, SQLite/DynamoDB table, SQLite/SQS queue, folder/S3
//! objects, folder/log mail, the test payment provider), and `connect`,
//! which builds them from the settings. No adapter uses another.

pub mod aws;
pub mod cache;
mod connect;
pub mod identity;
pub mod kv;
pub mod mail;
pub mod objects;
pub mod payments;
pub mod queue;
mod sqlite_file;
#[cfg(feature = "testing")]
pub mod testing;

pub use connect::connect;
