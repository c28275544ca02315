//! HTTP handlers. Each one extracts, parses, calls one service and maps the result.

pub mod accounts;
pub mod connections;
pub mod diagnostics;
pub mod health;
pub mod imports;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod planning;
pub mod workspaces;
