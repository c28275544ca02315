//! The one list of job types. Each line names a payload (a variant of [`domain::jobs::Job`]),
//! its queue, the name of its workers, and its handler. Enqueueing (on SQLite or Redis) and the
//! workers (one apalis worker per line, on either backend) are generated from this list, so
//! adding a job type is one line here plus its payload in `domain::jobs`.
//!
//! Queue names are stable: a queued job of a type listed here is found again after an upgrade.

/// Calls `$m!` with every registered job type.
macro_rules! for_each_job {
    ($m:ident) => {
        $m! {
            RunDiagnostic(domain::jobs::RunDiagnostic) =>
                "run_diagnostic", "diagnostics", crate::jobs::diagnostic::run_diagnostic;
            SyncConnection(domain::jobs::SyncConnection) =>
                "sync_connection", "syncs", crate::jobs::sync::sync_connection;
            RevokeGrant(domain::jobs::RevokeGrant) =>
                "revoke_grant", "revocations", crate::jobs::revoke::revoke_grant;
            FitModel(domain::jobs::FitModel) =>
                "fit_model", "fits", crate::jobs::fit::fit_model;
            RunOptimization(domain::jobs::RunOptimization) =>
                "run_optimization", "optimizations", crate::jobs::optimize::run_optimization;
        }
    };
}

pub(crate) use for_each_job;
