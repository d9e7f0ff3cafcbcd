//! Key-value table adapters: an embedded SQLite table and DynamoDB. The port is `ports::kv`, re-exported here
//! so a conformance suite names one module.

mod dynamo;
mod embedded;

pub use self::dynamo::DynamoTable;
pub use self::embedded::EmbeddedTable;
pub use ports::kv::*;
