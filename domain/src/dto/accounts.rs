//! Users and sessions: sign-up, sign-in, refresh, password change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::authz::Role;
use crate::dto::workspaces::{WorkspaceKind, WorkspaceView};
use crate::ids::UserId;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted (hashing cost grows with length).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// `POST /api/v1/users`: a new account. Without an invitation it creates the person's first
/// workspace, named `workspace_name`, of `workspace_kind`; with one, the person joins the
/// inviting workspace instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpRequest {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub workspace_name: Option<String>,
    #[serde(default)]
    pub workspace_kind: Option<WorkspaceKind>,
    /// The token of an invitation link.
    #[serde(default)]
    pub invitation: Option<String>,
}

/// `POST /api/v1/sessions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/v1/sessions/refresh`. API clients send the refresh token in the body; browsers
/// send it as a cookie and leave the body empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `PUT /api/v1/me/password`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

/// A person's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A new session: the tokens for API clients (browsers get the same as cookies).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub user: UserView,
    /// A short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: exchange it at `POST /api/v1/sessions/refresh` for a new pair.
    pub refresh_token: String,
    /// The CSRF token browsers send back in `X-CSRF-Token` on mutations.
    pub csrf_token: String,
    /// The workspace the person landed in (the new one after sign-up, or the invitation's).
    pub workspace: Option<WorkspaceView>,
}

/// `GET /api/v1/me`: who is signed in, and every workspace they can open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeView {
    pub user: UserView,
    pub workspaces: Vec<WorkspaceView>,
}

/// Checks a new password against the policy; `None` means it is acceptable.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "must be at least {MIN_PASSWORD_CHARS} characters (got {chars})"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    if password.trim().is_empty() {
        return Some("must not be only spaces".to_owned());
    }
    None
}

/// Normalizes and checks an email address; the error says what would be accepted.
pub fn parse_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && email.matches('@').count() == 1
        }
        None => false,
    };
    if !ok {
        return Err("must be an email address, like name@example.com".to_owned());
    }
    if email.len() > 254 {
        return Err("must be at most 254 characters".to_owned());
    }
    Ok(email)
}

/// A role, as forms and the API name it.
pub fn parse_role(role: &str) -> Result<Role, String> {
    Role::parse(role.trim())
        .ok_or_else(|| "must be one of owner, admin, strategist, approver or viewer".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_shorter_than_the_minimum_are_refused_with_the_count() {
        assert_eq!(
            password_problem("short").as_deref(),
            Some("must be at least 10 characters (got 5)")
        );
        assert_eq!(password_problem("correct horse battery"), None);
        assert!(password_problem(&" ".repeat(12)).is_some());
    }

    #[test]
    fn emails_are_trimmed_and_lowercased_and_typos_refused() {
        assert_eq!(
            parse_email("  Ana@Example.COM ").as_deref(),
            Ok("ana@example.com")
        );
        for bad in [
            "ana.example.com",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
