//! The engine's one error type. The engine never panics on bad input; it returns one of these.

/// Everything that can go wrong inside the engine.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The caller's input is not acceptable. `field` names what was wrong (a parameter, a column,
    /// a constraint) and `reason` says what would be accepted.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },
    /// The constraints cannot all hold at once. `conflicting` names a minimal set of constraints
    /// that conflict, in words a person can act on.
    #[error("infeasible: these constraints conflict: {}", conflicting.join("; "))]
    Infeasible { conflicting: Vec<String> },
    /// An iterative method stopped before reaching its tolerance.
    #[error("did not converge: {0}")]
    NotConverged(String),
}

impl EngineError {
    /// Shorthand for [`EngineError::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The engine's result type.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
