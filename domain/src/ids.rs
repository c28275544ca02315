//! Typed IDs. Each entity has its own ID type, so a `JobId` can never be passed where a
//! `TenantId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered ID (UUIDv7).
            #[cfg(feature = "server")]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        #[cfg(feature = "server")]
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// A workspace: a brand, an agency, or an agency's client.
    TenantId
);
typed_id!(
    /// One run of a background job.
    JobId
);
typed_id!(
    /// A person who signs in.
    UserId
);
typed_id!(
    /// An invitation to join a workspace.
    InvitationId
);
typed_id!(
    /// A workspace's API key.
    ApiKeyId
);
typed_id!(
    /// One entry of a workspace's audit log.
    AuditEntryId
);
typed_id!(
    /// An ad campaign, as synced from its platform or imported.
    CampaignId
);
typed_id!(
    /// One saved version of a workspace's goal.
    GoalId
);
typed_id!(
    /// One fitted (or refused) version of a workspace's model.
    ModelVersionId
);
typed_id!(
    /// One plan: a recommended allocation with its inputs.
    PlanId
);
typed_id!(
    /// One reading of a workspace's Budget Health Index.
    HealthScoreId
);
