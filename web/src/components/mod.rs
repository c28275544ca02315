//! Reusable pieces of the UI.

pub mod badge;
pub mod copy_field;
pub mod forms;
pub mod header;
pub mod me;
pub mod time;
pub mod workspace;
pub mod workspace_list;
