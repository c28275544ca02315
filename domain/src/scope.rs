//! Who is asking, and in which workspace.
//!
//! A [`Principal`] is an authenticated caller: a signed-in person or an API key. It is built only
//! by [`services::sessions::authenticate`](crate::services::sessions::authenticate) and
//! [`services::api_keys::authenticate`](crate::services::api_keys::authenticate).
//!
//! A [`TenantScope`] is a principal admitted to one workspace with one role. It is built only by
//! [`services::workspaces::scope`](crate::services::workspaces::scope), after a membership check
//! (direct, or through the managing agency), or by [`TenantScope::trusted_for_job`] for
//! background work a scoped request already authorized. Every service that touches a
//! workspace's data takes `&TenantScope` first and filters by [`TenantScope::tenant_id`].

use crate::AppError;
use crate::authz::{Permission, Role};
use crate::dto::workspaces::Access;
use crate::error::ErrorCode;
use crate::ids::{ApiKeyId, TenantId, UserId};

/// An authenticated caller, not yet admitted to any workspace.
#[derive(Clone, Debug)]
pub struct Principal {
    kind: PrincipalKind,
}

#[derive(Clone, Debug)]
pub(crate) enum PrincipalKind {
    User {
        id: UserId,
        email: String,
        /// The session (refresh-token family) the access token belongs to.
        session: uuid::Uuid,
        /// The CSRF token bound to the session, for cookie-authenticated requests.
        csrf: String,
    },
    ApiKey {
        id: ApiKeyId,
        name: String,
        tenant: TenantId,
        role: Role,
    },
}

impl Principal {
    pub(crate) fn new(kind: PrincipalKind) -> Self {
        Self { kind }
    }

    pub(crate) fn kind(&self) -> &PrincipalKind {
        &self.kind
    }

    /// The signed-in person, if this is not an API key.
    pub fn user_id(&self) -> Option<UserId> {
        match &self.kind {
            PrincipalKind::User { id, .. } => Some(*id),
            PrincipalKind::ApiKey { .. } => None,
        }
    }

    /// The CSRF token of the session; API keys have none.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::User { csrf, .. } => Some(csrf),
            PrincipalKind::ApiKey { .. } => None,
        }
    }

    /// A person's actions that are not about a workspace (password change, accepting an
    /// invitation) need a person, not an API key.
    pub(crate) fn require_user(&self) -> Result<(UserId, &str), AppError> {
        match &self.kind {
            PrincipalKind::User { id, email, .. } => Ok((*id, email)),
            PrincipalKind::ApiKey { .. } => Err(AppError::new(
                ErrorCode::Forbidden,
                "API keys act in their workspace only; sign in as a person for this",
            )),
        }
    }

    fn actor(&self) -> Actor {
        match &self.kind {
            PrincipalKind::User { id, email, .. } => Actor::User {
                id: *id,
                email: email.clone(),
            },
            PrincipalKind::ApiKey { id, name, .. } => Actor::ApiKey {
                id: *id,
                name: name.clone(),
            },
        }
    }
}

/// Who did something, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User {
        id: UserId,
        email: String,
    },
    ApiKey {
        id: ApiKeyId,
        name: String,
    },
    /// Mixpilot itself: a background job.
    System {
        job: &'static str,
    },
}

impl Actor {
    /// How the audit log names the actor.
    pub fn label(&self) -> String {
        match self {
            Self::User { email, .. } => email.clone(),
            Self::ApiKey { name, .. } => format!("API key \"{name}\""),
            Self::System { job } => format!("Mixpilot ({job})"),
        }
    }
}

/// A caller admitted to one workspace, with their role there.
#[derive(Clone, Debug)]
pub struct TenantScope {
    tenant_id: TenantId,
    role: Role,
    access: Access,
    actor: Actor,
}

impl TenantScope {
    pub(crate) fn admit(
        principal: &Principal,
        tenant_id: TenantId,
        role: Role,
        access: Access,
    ) -> Self {
        Self {
            tenant_id,
            role,
            access,
            actor: principal.actor(),
        }
    }

    /// A scope for background work on `tenant_id`, with owner rights. Only for jobs whose
    /// payload a scoped request created: the request was authorized when the job was enqueued.
    pub fn trusted_for_job(tenant_id: TenantId, job: &'static str) -> Self {
        Self {
            tenant_id,
            role: Role::Owner,
            access: Access::Member,
            actor: Actor::System { job },
        }
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn access(&self) -> Access {
        self.access
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Fails with `forbidden` unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.can(permission) {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "your role in this workspace ({}) does not allow this",
                    self.role.as_str()
                ),
            ))
        }
    }
}

/// What the server's authentication step concluded about one HTTP request; handlers and server
/// functions read it from the request's extensions.
#[derive(Clone, Debug)]
pub enum RequestAuth {
    /// No credentials were presented.
    Anonymous,
    /// Credentials were presented and hold.
    Authenticated(Principal),
    /// Credentials were presented and refused (expired, tampered, revoked, or a cookie request
    /// without its CSRF token).
    Refused { code: ErrorCode, message: String },
}

impl RequestAuth {
    /// The principal, or the error a handler that needs one answers with.
    pub fn principal(&self) -> Result<&Principal, AppError> {
        match self {
            Self::Authenticated(p) => Ok(p),
            Self::Anonymous => Err(AppError::new(
                ErrorCode::Unauthenticated,
                "sign in first: send a session cookie, `Authorization: Bearer <access token>` or `Authorization: Bearer <API key>`",
            )),
            Self::Refused { code, message } => Err(AppError::new(*code, message.clone())),
        }
    }
}
