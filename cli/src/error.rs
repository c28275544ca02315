//! The one error type of the analyst commands.

use engine::EngineError;

/// A failed command: what to tell the analyst, and the process exit status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// 2 for bad input or infeasible constraints, 1 for anything else.
    pub exit_code: u8,
    /// In words, naming what was wrong (a file, a CSV row and column, a constraint).
    pub message: String,
}

impl CommandError {
    /// Bad input (exit status 2).
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            exit_code: 2,
            message: message.into(),
        }
    }

    /// Anything else (exit status 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            exit_code: 1,
            message: message.into(),
        }
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::Infeasible { conflicting } => Self::input(format!(
                "infeasible: these constraints cannot all hold:\n{}",
                conflicting
                    .iter()
                    .map(|c| format!("  - {c}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
            EngineError::InvalidInput { .. } => Self::input(e.to_string()),
            EngineError::NotConverged(_) => Self::failure(e.to_string()),
        }
    }
}
