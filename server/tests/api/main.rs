//! Integration tests: the real application on port 0, against a fresh PostgreSQL database and a
//! Redis key prefix per test, and the same tests against SQLite (the embedded default).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod accounts;
mod authz;
mod closed_loop;
mod connections;
mod health;
mod imports;
mod jobs;
mod metrics;
mod openapi;
mod pages;
mod planning;
mod platforms;
mod security;
mod smtp;
mod tenancy;
