//! Mixpilot's engine: the math behind budget allocation.
//!
//! Everything here is pure and synchronous. There is no I/O, no async runtime, no database and
//! no web crate; callers (the CLI, the workers, the server) read and write files or rows and hand
//! the engine plain values. Results are deterministic for a given seed.

pub mod convert;
pub mod error;
pub mod experiment;
pub mod explore;
pub mod health;
pub mod model;
pub mod optimize;
pub mod rules;
pub mod sim;
pub mod transform;

pub use error::{EngineError, Result};
