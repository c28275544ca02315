//! sea-orm entities. Private to `domain`: other crates go through services.

pub(crate) mod job_runs;
pub(crate) mod tenants;
