//! One module per page.

pub mod account;
pub mod api_keys;
pub mod audit;
pub mod connections;
pub mod invitation;
pub mod members;
pub mod not_found;
pub mod overview;
pub mod sign_in;
pub mod sign_up;
pub mod status;
pub mod workspace_home;
pub mod workspaces;
