//! Request and response types of the JSON API and the server functions. They carry no
//! `tenant_id`: the tenant comes from the authenticated scope, never from the client.

pub mod accounts;
pub mod ad_data;
pub mod goals;
pub mod jobs;
pub mod models;
pub mod plans;
pub mod system;
pub mod workspaces;
