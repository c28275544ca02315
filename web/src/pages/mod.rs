//! One module per page.

pub mod not_found;
pub mod overview;
pub mod sign_in;
pub mod status;
