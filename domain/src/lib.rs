//! What `server`, `web` and `worker` share.
//!
//! Without features this crate is wasm-safe: typed IDs, request and response types, error codes
//! and job payloads, so the browser build of `web` speaks the same types as the server. The
//! `server` feature adds the data layer: sea-orm entities (private to this crate, so no other
//! crate can write a query), and the services that REST handlers, server functions and jobs all
//! call.

pub mod authz;
pub mod dto;
pub mod error;
pub mod ids;
pub mod jobs;

#[cfg(feature = "server")]
pub mod crypto;
#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
mod entities;
#[cfg(feature = "server")]
pub mod mail;
#[cfg(feature = "server")]
pub mod queue;
#[cfg(feature = "server")]
pub mod ratelimit;
#[cfg(feature = "server")]
pub mod scope;
#[cfg(feature = "server")]
pub mod services;

#[cfg(feature = "server")]
pub use error::AppError;
pub use error::{ApiErrorBody, ErrorCode};
