//! Object store adapters: a folder and S3. The port is `ports::objects`, re-exported here
//! so a conformance suite names one module.

mod folder;
mod s3;

pub use self::folder::FolderStore;
pub use self::s3::S3Store;
pub use ports::objects::*;
