//! Queue adapters: a local SQLite queue and SQS. The port is `ports::queue`, re-exported here
//! so a conformance suite names one module.

pub mod local;
mod sqs;

pub use self::local::LocalQueue;
pub use self::sqs::SqsQueue;
pub use ports::queue::*;
