//! Operations views: readiness.

use serde::{Deserialize, Serialize};

/// One dependency's state, as reported by `/readyz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DependencyCheck {
    /// `database` or `queue`.
    pub name: String,
    pub ok: bool,
    /// What the check talked to (`postgres`, `sqlite`, `redis`) or why it failed.
    pub detail: String,
}

/// The body of `/readyz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    pub ready: bool,
    pub checks: Vec<DependencyCheck>,
}
