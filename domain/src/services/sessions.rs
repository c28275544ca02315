//! Accounts and sessions: sign-up, sign-in, refresh with rotation and reuse detection, sign-out,
//! password change, and turning an access token back into a [`Principal`].
//!
//! A session is a family of refresh tokens. Each refresh uses up the presented token and issues
//! the next one in the family. Presenting a used token again means it was copied: the whole
//! family is revoked, so both the thief and the person must sign in again. A token presented
//! again within the configured grace (10 seconds by default) of its first use is only refused, not treated as theft: two
//! browser tabs refreshing at once share one cookie jar, and the winner's new token is already
//! in it.
//!
//! Throttles: sign-in attempts per account and per client address, sign-ups per client address
//! (and, more tightly, sign-ups with an address that already has an account), and checks of the
//! current password per account. Security events go to the audit log of every workspace the
//! person belongs to: `session.signed_in`, `session.sign_in_failed`, `session.locked_out`,
//! `session.refresh_token_reused`, `session.signed_out` and `user.password_changed`.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use crate::authz::Role;
use crate::dto::accounts::{
    MeView, PasswordChangeRequest, SessionView, SignInRequest, SignUpRequest, UserView,
    parse_email, password_problem,
};
use crate::dto::workspaces::{Access, WorkspaceKind, parse_workspace_name};
use crate::entities::{memberships, refresh_tokens, tenants, users};
use crate::error::{AppError, ErrorCode};
use crate::ids::{TenantId, UserId};
use crate::ratelimit::{Decision, Limit};
use crate::scope::{Actor, Principal, PrincipalKind};
use crate::services::audit::{self, Change};
use crate::services::auth::{
    AccessClaims, hash_password, random_token, token_hash, verify_password,
};
use crate::services::{DbContext as _, Services, invitations, now, utc, workspaces};

/// The one message for every failed sign-in: it does not say whether the account exists.
const BAD_CREDENTIALS: &str = "the email address or password is not correct";

fn user_view(u: &users::Model) -> UserView {
    UserView {
        id: UserId::from_uuid(u.id),
        email: u.email.clone(),
        name: u.name.clone(),
        created_at: utc(u.created_at),
    }
}

/// How a sign-up lands in a workspace.
enum Joining<'a> {
    /// Through an invitation link's token.
    Invitation(&'a str),
    /// In a new workspace of its own, with this name and kind.
    NewWorkspace(String, WorkspaceKind),
}

/// Creates an account. Without an invitation, it also creates the person's first workspace,
/// where they are the owner; with one, they join the inviting workspace with its role (the
/// invitation's address must be the account's). Then it starts a session.
///
/// Sign-ups are limited per client address, and so are sign-ups with an address that already
/// has an account: "an account already exists" tells whether an address is registered, so a
/// client learns that of a few addresses per window, not of a list.
#[tracing::instrument(skip_all)]
pub async fn sign_up(
    services: &Services,
    request: SignUpRequest,
    client: Option<IpAddr>,
) -> Result<SessionView, AppError> {
    let auth = &services.auth;
    if let Some(ip) = client {
        throttle(
            services,
            Limit {
                name: "sign_up_ip",
                max: auth.sign_up_per_ip,
                window: auth.sign_up_window,
            },
            &ip.to_string(),
            "sign-ups",
        )
        .await?;
    }
    let email = parse_email(&request.email).map_err(|e| AppError::validation("email", e))?;
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation(
            "name",
            "must be between 1 and 100 characters",
        ));
    }
    if let Some(problem) = password_problem(&request.password) {
        return Err(AppError::validation("password", problem));
    }
    // Where the person lands: the inviting workspace, or a new one of their own.
    let joining = match (request.invitation.as_deref(), &request.workspace_name) {
        (Some(token), _) => Joining::Invitation(token),
        (None, Some(ws)) => Joining::NewWorkspace(
            parse_workspace_name(ws).map_err(|e| AppError::validation("workspace_name", e))?,
            request.workspace_kind.unwrap_or(WorkspaceKind::Brand),
        ),
        (None, None) => {
            return Err(AppError::validation(
                "workspace_name",
                "must not be empty (name your first workspace, or sign up through an invitation link)",
            ));
        }
    };
    let hash = hash_password(request.password.clone()).await?;

    let db = services.db.conn();
    let txn = db.begin().await.ctx("starting a transaction")?;
    if users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await
        .ctx("looking up an email")?
        .is_some()
    {
        if let Some(ip) = client {
            throttle(
                services,
                Limit {
                    name: "sign_up_taken_ip",
                    max: auth.sign_up_taken_per_ip,
                    window: auth.sign_up_window,
                },
                &ip.to_string(),
                "sign-ups with addresses that have an account",
            )
            .await?;
        }
        return Err(AppError::new(
            ErrorCode::Conflict,
            "email: an account with this address already exists; sign in instead",
        ));
    }
    let user_id = UserId::new();
    let created = now();
    let user = users::ActiveModel {
        id: Set(user_id.as_uuid()),
        email: Set(email.clone()),
        name: Set(name),
        password_hash: Set(hash),
        created_at: Set(created),
        password_changed_at: Set(created),
    }
    .insert(&txn)
    .await
    .ctx("creating a user")?;
    let actor = Actor::User {
        id: user_id,
        email: email.clone(),
    };
    let workspace = match joining {
        Joining::Invitation(token) => {
            invitations::accept_in(&txn, token, user_id, &email, &actor).await?
        }
        Joining::NewWorkspace(ws_name, kind) => {
            let t = workspaces::insert(&txn, &ws_name, kind, None).await?;
            let tenant = TenantId::from_uuid(t.id);
            workspaces::add_member(&txn, tenant, user_id, Role::Owner).await?;
            audit::record_as(
                &txn,
                tenant,
                &actor,
                Change::new("workspace.created", "workspace", t.id)
                    .after(serde_json::json!({ "name": t.name, "kind": kind.as_str() })),
            )
            .await?;
            audit::record_as(
                &txn,
                tenant,
                &actor,
                Change::new("member.added", "user", user_id)
                    .after(serde_json::json!({ "email": email, "role": "owner" })),
            )
            .await?;
            workspaces::view_of(&txn, tenant, Role::Owner, Access::Member).await?
        }
    };
    let mut session = issue(services, &txn, &user, uuid::Uuid::now_v7()).await?;
    txn.commit().await.ctx("committing a sign-up")?;
    session.workspace = Some(workspace);
    Ok(session)
}

/// Signs in with an email address and password. Attempts are limited per account and per
/// client address; a wrong address and a wrong password get the same answer, in the same time.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    services: &Services,
    request: SignInRequest,
    client: Option<IpAddr>,
) -> Result<SessionView, AppError> {
    let email = request.email.trim().to_lowercase();
    let auth = &services.auth;
    let client_json = serde_json::json!({ "client": client.map(|ip| ip.to_string()) });
    if let Err(limited) = throttle(
        services,
        Limit {
            name: "sign_in_account",
            max: auth.sign_in_per_account,
            window: auth.sign_in_window,
        },
        &email,
        "sign-in attempts",
    )
    .await
    {
        if limited.code == ErrorCode::RateLimited
            && let Some(user) = find_user(services, &email).await?
        {
            audit_person(
                services.db.conn(),
                &user,
                "session.locked_out",
                &SIGN_IN,
                client_json,
            )
            .await?;
        }
        return Err(limited);
    }
    if let Some(ip) = client {
        throttle(
            services,
            Limit {
                name: "sign_in_ip",
                max: auth.sign_in_per_ip,
                window: auth.sign_in_window,
            },
            &ip.to_string(),
            "sign-in attempts",
        )
        .await?;
    }
    let user = find_user(services, &email).await?;
    let ok = verify_password(
        request.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    match (user, ok) {
        (Some(user), true) => {
            let txn = services
                .db
                .conn()
                .begin()
                .await
                .ctx("starting a transaction")?;
            let session = issue(services, &txn, &user, uuid::Uuid::now_v7()).await?;
            audit_person(
                &txn,
                &user,
                "session.signed_in",
                &actor_of(&user),
                client_json,
            )
            .await?;
            txn.commit().await.ctx("committing a session")?;
            Ok(session)
        }
        (Some(user), false) => {
            audit_person(
                services.db.conn(),
                &user,
                "session.sign_in_failed",
                &SIGN_IN,
                client_json,
            )
            .await?;
            Err(AppError::new(ErrorCode::Unauthenticated, BAD_CREDENTIALS))
        }
        (None, _) => Err(AppError::new(ErrorCode::Unauthenticated, BAD_CREDENTIALS)),
    }
}

async fn find_user(services: &Services, email: &str) -> Result<Option<users::Model>, AppError> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(services.db.conn())
        .await
        .ctx("looking up an account")
}

/// Who the audit log names for what is done to an account by someone who has not proved to be
/// its owner (failed sign-ins, lockouts, a copied refresh token).
const SIGN_IN: Actor = Actor::System { job: "sign-in" };

fn actor_of(user: &users::Model) -> Actor {
    Actor::User {
        id: UserId::from_uuid(user.id),
        email: user.email.clone(),
    }
}

/// Records a security event about `user` in the audit log of every workspace they belong to
/// (an account has no workspace of its own; its workspaces' admins are the ones to see it).
async fn audit_person<C: ConnectionTrait>(
    conn: &C,
    user: &users::Model,
    action: &str,
    actor: &Actor,
    details: serde_json::Value,
) -> Result<(), AppError> {
    let tenants = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.id))
        .all(conn)
        .await
        .ctx("reading an account's workspaces")?;
    let mut details = details;
    if let Some(object) = details.as_object_mut() {
        object.insert("email".to_owned(), user.email.clone().into());
    }
    for m in tenants {
        audit::record_as(
            conn,
            TenantId::from_uuid(m.tenant_id),
            actor,
            Change::new(action, "user", user.id).after(&details),
        )
        .await?;
    }
    Ok(())
}

async fn throttle(
    services: &Services,
    limit: Limit,
    key: &str,
    what: &str,
) -> Result<(), AppError> {
    match services
        .limiter
        .hit(limit, key)
        .await
        .map_err(|e| AppError::unavailable("the rate limiter", e))?
    {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after } => Err(AppError::new(
            ErrorCode::RateLimited,
            format!(
                "too many {what}; try again in {} seconds",
                retry_after.as_secs().max(1)
            ),
        )
        .with_retry_after(retry_after)),
    }
}

/// Issues an access token and a new refresh token in `family`.
async fn issue<C: ConnectionTrait>(
    services: &Services,
    conn: &C,
    user: &users::Model,
    family: uuid::Uuid,
) -> Result<SessionView, AppError> {
    let auth = &services.auth;
    let refresh = random_token("mpr_");
    let created = now();
    refresh_tokens::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(family),
        token_hash: Set(token_hash(&refresh)),
        created_at: Set(created),
        expires_at: Set(created
            + chrono::Duration::from_std(auth.refresh_ttl).unwrap_or(chrono::Duration::days(30))),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await
    .ctx("storing a refresh token")?;
    let csrf = random_token("");
    let access = auth.sign(&AccessClaims::new(
        user.id,
        family,
        csrf.clone(),
        auth.access_ttl,
    ))?;
    Ok(SessionView {
        user: user_view(user),
        access_token: access,
        token_type: "Bearer".to_owned(),
        expires_in: auth.access_ttl.as_secs(),
        refresh_token: refresh,
        csrf_token: csrf,
        workspace: None,
    })
}

/// Exchanges a refresh token for a new access token and refresh token. A token that was already
/// used revokes its whole family (see the module docs).
#[tracing::instrument(skip_all)]
pub async fn refresh(services: &Services, token: &str) -> Result<SessionView, AppError> {
    let refused = || {
        AppError::new(
            ErrorCode::Unauthenticated,
            "the session has ended; sign in again",
        )
    };
    let txn = services
        .db
        .conn()
        .begin()
        .await
        .ctx("starting a transaction")?;
    let row = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash(token)))
        .one(&txn)
        .await
        .ctx("looking up a refresh token")?
        .ok_or_else(refused)?;
    let at = now();
    if row.revoked_at.is_some() || row.expires_at <= at {
        return Err(refused());
    }
    if let Some(used) = row.used_at {
        let grace =
            chrono::Duration::from_std(services.auth.refresh_reuse_grace).unwrap_or_default();
        if at - used > grace {
            tracing::warn!(family = %row.family_id, "a used refresh token was presented again: revoking its session");
            revoke_family(&txn, row.family_id).await?;
            if let Some(user) = users::Entity::find_by_id(row.user_id)
                .one(&txn)
                .await
                .ctx("reading a user")?
            {
                audit_person(
                    &txn,
                    &user,
                    "session.refresh_token_reused",
                    &SIGN_IN,
                    serde_json::json!({ "session": row.family_id }),
                )
                .await?;
            }
            txn.commit().await.ctx("committing a revocation")?;
        }
        return Err(refused());
    }
    // Use the token up, unless a concurrent refresh did first.
    let used = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(at))
        .filter(refresh_tokens::Column::Id.eq(row.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await
        .ctx("using up a refresh token")?;
    if used.rows_affected != 1 {
        return Err(refused());
    }
    let user = users::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await
        .ctx("reading a user")?
        .ok_or_else(refused)?;
    let session = issue(services, &txn, &user, row.family_id).await?;
    txn.commit().await.ctx("committing a refresh")?;
    Ok(session)
}

async fn revoke_family<C: ConnectionTrait>(conn: &C, family: uuid::Uuid) -> Result<(), AppError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_tokens::Column::FamilyId.eq(family))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(conn)
        .await
        .ctx("revoking a session")?;
    Ok(())
}

/// Ends the session of `principal`: its refresh tokens are revoked, and its access tokens are
/// refused from now on.
#[tracing::instrument(skip_all)]
pub async fn sign_out(services: &Services, principal: &Principal) -> Result<(), AppError> {
    if let PrincipalKind::User { id, session, .. } = principal.kind() {
        let txn = services
            .db
            .conn()
            .begin()
            .await
            .ctx("starting a transaction")?;
        revoke_family(&txn, *session).await?;
        if let Some(user) = users::Entity::find_by_id(id.as_uuid())
            .one(&txn)
            .await
            .ctx("reading a user")?
        {
            audit_person(
                &txn,
                &user,
                "session.signed_out",
                &actor_of(&user),
                serde_json::json!({ "session": session }),
            )
            .await?;
        }
        txn.commit().await.ctx("committing a sign-out")?;
    }
    Ok(())
}

/// Changes the signed-in person's password. Every other session of theirs ends; the caller gets
/// a new session.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    services: &Services,
    principal: &Principal,
    request: PasswordChangeRequest,
) -> Result<SessionView, AppError> {
    let (user_id, _) = principal.require_user()?;
    if let Some(problem) = password_problem(&request.new_password) {
        return Err(AppError::validation("new_password", problem));
    }
    let auth = &services.auth;
    throttle(
        services,
        Limit {
            name: "password_check",
            max: auth.password_checks_per_account,
            window: auth.sign_in_window,
        },
        &user_id.to_string(),
        "attempts at the current password",
    )
    .await?;
    let user = users::Entity::find_by_id(user_id.as_uuid())
        .one(services.db.conn())
        .await
        .ctx("reading a user")?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "sign in again"))?;
    if !verify_password(request.current_password, Some(user.password_hash.clone())).await? {
        return Err(AppError::validation("current_password", "is not correct"));
    }
    let hash = hash_password(request.new_password).await?;
    let txn = services
        .db
        .conn()
        .begin()
        .await
        .ctx("starting a transaction")?;
    let mut active: users::ActiveModel = user.into();
    active.password_hash = Set(hash);
    // Whole seconds, like the `iat` of access tokens; older tokens are refused (their sessions
    // are revoked below as well).
    let changed = chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0)
        .unwrap_or_else(Utc::now)
        .fixed_offset();
    active.password_changed_at = Set(changed);
    let user = active.update(&txn).await.ctx("storing a new password")?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_tokens::Column::UserId.eq(user.id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await
        .ctx("ending other sessions")?;
    let session = issue(services, &txn, &user, uuid::Uuid::now_v7()).await?;
    audit_person(
        &txn,
        &user,
        "user.password_changed",
        &actor_of(&user),
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await.ctx("committing a password change")?;
    Ok(session)
}

/// Turns an access token into the person it was issued to. Refuses a token that is expired,
/// tampered with or signed by another key, one whose session was signed out or revoked, and one
/// issued before the person's last password change.
#[tracing::instrument(skip_all)]
pub async fn authenticate(services: &Services, access_token: &str) -> Result<Principal, AppError> {
    let claims = services.auth.verify(access_token)?;
    let ended = || {
        AppError::new(
            ErrorCode::Unauthenticated,
            "the session has ended; sign in again",
        )
    };
    let user = users::Entity::find_by_id(claims.sub)
        .one(services.db.conn())
        .await
        .ctx("reading a user")?
        .ok_or_else(ended)?;
    if claims.iat < user.password_changed_at.timestamp() {
        return Err(ended());
    }
    let revoked = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::FamilyId.eq(claims.sid))
        .filter(refresh_tokens::Column::RevokedAt.is_not_null())
        .one(services.db.conn())
        .await
        .ctx("checking a session")?;
    if revoked.is_some() {
        return Err(ended());
    }
    Ok(Principal::new(PrincipalKind::User {
        id: UserId::from_uuid(user.id),
        email: user.email,
        session: claims.sid,
        csrf: claims.csrf,
    }))
}

/// The CSRF token of a properly signed access token that has expired (`None` for any other
/// token, valid or not): such a session may be renewed from its refresh token.
pub fn csrf_of_expired(services: &Services, access_token: &str) -> Option<String> {
    services.auth.csrf_if_expired(access_token)
}

/// Who is signed in, and the workspaces they can open.
#[tracing::instrument(skip_all)]
pub async fn me(services: &Services, principal: &Principal) -> Result<MeView, AppError> {
    let (user_id, _) = principal.require_user()?;
    let user = users::Entity::find_by_id(user_id.as_uuid())
        .one(services.db.conn())
        .await
        .ctx("reading a user")?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "sign in again"))?;
    let workspaces = workspaces::list_for(&services.db, principal).await?;
    Ok(MeView {
        user: user_view(&user),
        workspaces,
    })
}

/// Creates the demo account and makes it the owner of `tenant`, unless it exists. Returns the
/// email address and password to print.
pub async fn ensure_demo_user(
    services: &Services,
    tenant: TenantId,
) -> Result<(String, String), AppError> {
    const EMAIL: &str = "demo@mixpilot.local";
    const PASSWORD: &str = "mixpilot-demo";
    let db = services.db.conn();
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(EMAIL))
        .one(db)
        .await
        .ctx("looking up the demo user")?;
    if existing.is_none() {
        let hash = hash_password(PASSWORD.to_owned()).await?;
        let txn = db.begin().await.ctx("starting a transaction")?;
        let id = UserId::new();
        let created = now();
        users::ActiveModel {
            id: Set(id.as_uuid()),
            email: Set(EMAIL.to_owned()),
            name: Set("Demo Owner".to_owned()),
            password_hash: Set(hash),
            created_at: Set(created),
            password_changed_at: Set(created),
        }
        .insert(&txn)
        .await
        .ctx("creating the demo user")?;
        if tenants::Entity::find_by_id(tenant.as_uuid())
            .one(&txn)
            .await
            .ctx("reading the demo workspace")?
            .is_some()
        {
            workspaces::add_member(&txn, tenant, id, Role::Owner).await?;
        }
        txn.commit().await.ctx("committing the demo user")?;
    }
    Ok((EMAIL.to_owned(), PASSWORD.to_owned()))
}
