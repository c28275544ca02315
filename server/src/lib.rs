//! The `mixpilot` server: configuration, telemetry, the actix-web application (JSON API under
//! `/api/v1`, operations endpoints, the Leptos app), and the commands of the binary.

pub mod commands;
pub mod config;
pub mod error;
pub mod extractors;
pub mod guards;
pub mod mail;
pub mod platforms;
pub mod ratelimit;
pub mod routes;
pub mod startup;
pub mod telemetry;
