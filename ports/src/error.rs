//! The one error type of the ports layer. Callers branch on the kind;
//! the detail string is for logs, never for shoppers.

#[derive(Debug, Clone, thiserror::Error)]
pub enum PortError {
    /// The backend could not be reached or failed: worth a retry later.
    #[error("{backend} unavailable: {detail}")]
    Unavailable { backend: &'static str, detail: String },
    /// A conditional write found its condition false (op index within a transaction).
    #[error("condition failed at operation {index}")]
    ConditionFailed { index: usize },
    /// The caller asked for something malformed (bad key, oversized value).
    #[error("invalid request: {0}")]
    Invalid(String),
}

pub type PortResult<T> = Result<T, PortError>;

impl PortError {
    pub fn unavailable(backend: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Unavailable { backend, detail: err.to_string() }
    }

    /// A stored value this code does not know (never read as a default).
    pub fn unknown_stored(table: &str, id: &str, column: &str, value: &str) -> Self {
        Self::Invalid(format!("{table} row {id}: unknown {column} {value:?}"))
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}

impl From<sqlx::Error> for PortError {
    fn from(e: sqlx::Error) -> Self {
        Self::unavailable("sqlite", e)
    }
}
