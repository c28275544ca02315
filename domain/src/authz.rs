//! Roles and what each may do: the one place the authorization rules live.
//!
//! A membership gives a person one [`Role`] in one workspace. Members of an agency hold the same
//! role in every client workspace of that agency. An API key carries a role too, for its own
//! workspace only. Services ask the scope for a [`Permission`]; [`Role::can`] is the whole table.
//!
//! | permission            | owner | admin | strategist | approver | viewer |
//! |-----------------------|:-----:|:-----:|:----------:|:--------:|:------:|
//! | `view`                |  yes  |  yes  |    yes     |   yes    |  yes   |
//! | `plan`                |  yes  |  yes  |    yes     |          |        |
//! | `approve`             |  yes  |  yes  |            |   yes    |        |
//! | `run_jobs`            |  yes  |  yes  |    yes     |          |        |
//! | `manage_workspace`    |  yes  |  yes  |            |          |        |
//! | `manage_members`      |  yes  |  yes  |            |          |        |
//! | `manage_api_keys`     |  yes  |  yes  |            |          |        |
//! | `read_audit`          |  yes  |  yes  |            |          |        |
//! | `manage_clients`      |  yes  |  yes  |            |          |        |
//! | `manage_owners`       |  yes  |       |            |          |        |
//!
//! `plan` covers goals, constraints and scenarios; `approve` covers approving budget changes;
//! `run_jobs` covers starting background work such as a diagnostic or a sync. Only an owner may
//! make someone an owner or change an owner's role, and a workspace always keeps one owner.

use serde::{Deserialize, Serialize};

/// A member's role in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including naming other owners.
    Owner,
    /// Everything except naming owners.
    Admin,
    /// Goals, constraints and scenarios.
    Strategist,
    /// Approves budget changes.
    Approver,
    /// Reads, changes nothing.
    Viewer,
}

/// Something a request may do in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read the workspace: its settings, members, jobs and data.
    View,
    /// Change goals, constraints and scenarios.
    Plan,
    /// Approve or reject proposed budget changes.
    Approve,
    /// Start background work (diagnostics, syncs, fits).
    RunJobs,
    /// Rename the workspace and manage its connections.
    ManageWorkspace,
    /// Invite, re-role and remove members.
    ManageMembers,
    /// Create and revoke API keys.
    ManageApiKeys,
    /// Read the audit log.
    ReadAudit,
    /// Create an agency's client workspaces.
    ManageClients,
    /// Make someone an owner, or change an owner's role.
    ManageOwners,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Owner,
        Self::Admin,
        Self::Strategist,
        Self::Approver,
        Self::Viewer,
    ];

    /// Whether this role may do `permission`. The table in the module docs, as code.
    pub fn can(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Self::Owner => true,
            Self::Admin => !matches!(permission, P::ManageOwners),
            Self::Strategist => matches!(permission, P::View | P::Plan | P::RunJobs),
            Self::Approver => matches!(permission, P::View | P::Approve),
            Self::Viewer => matches!(permission, P::View),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Strategist => "strategist",
            Self::Approver => "approver",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// A sentence a person can read, for role pickers.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Owner => "Everything, including naming other owners",
            Self::Admin => {
                "Everything except naming owners: members, API keys, connections, audit log"
            }
            Self::Strategist => "Goals, constraints and scenarios; starts background work",
            Self::Approver => "Approves or rejects proposed budget changes",
            Self::Viewer => "Reads everything, changes nothing",
        }
    }

    /// A label for people: `Owner`, `Admin`, ...
    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Admin => "Admin",
            Self::Strategist => "Strategist",
            Self::Approver => "Approver",
            Self::Viewer => "Viewer",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{Permission as P, Role};

    #[test]
    fn only_owners_manage_owners_and_viewers_only_view() {
        for role in Role::ALL {
            assert_eq!(role.can(P::ManageOwners), role == Role::Owner, "{role}");
            assert!(role.can(P::View), "{role}");
        }
        for p in [
            P::Plan,
            P::Approve,
            P::RunJobs,
            P::ManageWorkspace,
            P::ManageMembers,
            P::ManageApiKeys,
            P::ReadAudit,
            P::ManageClients,
        ] {
            assert!(!Role::Viewer.can(p), "viewer must not {p:?}");
        }
    }

    #[test]
    fn strategists_plan_and_approvers_approve_but_not_each_other() {
        assert!(Role::Strategist.can(P::Plan));
        assert!(!Role::Strategist.can(P::Approve));
        assert!(Role::Approver.can(P::Approve));
        assert!(!Role::Approver.can(P::Plan));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }
}
