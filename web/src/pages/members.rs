use domain::authz::{Permission, Role};
use domain::dto::accounts::parse_email;
use domain::dto::workspaces::{InvitationStatus, InvitationView, MemberView, WorkspaceView};
use domain::ids::{InvitationId, TenantId, UserId};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::ApiError;
use crate::api::workspaces::{
    change_member_role, invite as create_invitation, list_invitations, list_members, remove_member,
    revoke_invitation,
};
use crate::components::badge::{Badge, Tone};
use crate::components::copy_field::{CopyField, absolute_url};
use crate::components::forms::{
    ErrorNotice, FormAlert, RoleSelect, TextField, error_message, server_error_for,
};
use crate::components::me::use_me;
use crate::components::time::utc_time;
use crate::components::workspace::{
    WorkspaceHeader, assignable_roles, use_workspace, with_workspace,
};

type ChangeRole = Action<(TenantId, UserId, String), Result<MemberView, ApiError>>;
type RemoveMember = Action<(TenantId, UserId), Result<(), ApiError>>;
type Invite = Action<(TenantId, String, String), Result<InvitationView, ApiError>>;
type Revoke = Action<(TenantId, InvitationId), Result<(), ApiError>>;

/// Members and invitations. Everyone in the workspace sees the members; people who may manage
/// members also change roles, remove members, invite, and withdraw invitations.
#[component]
pub fn Members() -> impl IntoView {
    let data = use_workspace();
    let me = use_me();
    let change: ChangeRole = Action::new(|(ws, user, role): &(TenantId, UserId, String)| {
        change_member_role(*ws, *user, role.clone())
    });
    let remove: RemoveMember =
        Action::new(|(ws, user): &(TenantId, UserId)| remove_member(*ws, *user));
    let invite: Invite = Action::new(|(ws, email, role): &(TenantId, String, String)| {
        create_invitation(*ws, email.clone(), role.clone())
    });
    let revoke: Revoke =
        Action::new(|(ws, id): &(TenantId, InvitationId)| revoke_invitation(*ws, *id));

    let members = Resource::new(
        move || {
            (
                data.id.get(),
                change.version().get(),
                remove.version().get(),
            )
        },
        |(id, _, _)| with_workspace(id, list_members),
    );
    let invitations = Resource::new(
        move || {
            (
                data.id.get(),
                invite.version().get(),
                revoke.version().get(),
            )
        },
        move |(id, _, _)| async move {
            let ws = data.workspace.await?;
            if ws.role.can(Permission::ManageMembers) {
                with_workspace(id, list_invitations).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    // The last member change's failure, until the next one succeeds.
    let member_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(result) = change.value().get() {
            member_error.set(error_message(Some(result)));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = remove.value().get() {
            member_error.set(error_message(Some(result)));
        }
    });

    view! {
        <Title text="Members and invitations" />
        <WorkspaceHeader data />
        <section aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            <FormAlert message=member_error testid="members-error" />
            <Transition fallback=|| view! { <p>"Loading the members…"</p> }>
                {move || Suspend::new(async move {
                    let ws = data.workspace.await;
                    let me = me.resource.await.ok().flatten().map(|m| m.user.id);
                    match (ws, members.await) {
                        (Ok(ws), Ok(list)) => view! { <MemberTable ws list me change remove /> }.into_any(),
                        (Err(_), _) => ().into_any(),
                        (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                data.workspace.await.ok().map(|ws| {
                    if ws.role.can(Permission::ManageMembers) {
                        view! { <InviteForm workspace=ws.id role=ws.role invite /> }.into_any()
                    } else {
                        view! {
                            <p class="notice" data-testid="members-read-only">
                                "Your role (" {ws.role.label()} ") can see the members but not change them "
                                "or invite anyone."
                            </p>
                        }.into_any()
                    }
                })
            })}
        </Suspense>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let result = invitations.await;
                match (data.id.get_untracked(), result) {
                    (Some(workspace), Ok(Some(list))) => view! { <InvitationTable workspace list revoke /> }.into_any(),
                    (_, Ok(_)) => ().into_any(),
                    (_, Err(e)) if matches!(e.code, domain::ErrorCode::NotFound | domain::ErrorCode::Unauthenticated) => ().into_any(),
                    (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MemberTable(
    ws: WorkspaceView,
    list: Vec<MemberView>,
    /// The signed-in person, marked "you" in the list.
    me: Option<UserId>,
    change: ChangeRole,
    remove: RemoveMember,
) -> impl IntoView {
    let manage = ws.role.can(Permission::ManageMembers);
    let may_manage_owners = ws.role.can(Permission::ManageOwners);
    let roles = assignable_roles(ws.role);
    let rows = list
        .into_iter()
        .map(|m| {
            // Only an owner may change an owner.
            let editable = manage && (m.role != Role::Owner || may_manage_owners);
            let is_me = me == Some(m.user_id);
            view! {
                <MemberRow
                    workspace=ws.id
                    member=m
                    is_me
                    manage
                    editable
                    roles=roles.clone()
                    change
                    remove
                />
            }
        })
        .collect_view();
    view! {
        <table data-testid="members">
            <caption class="visually-hidden">"Members and their roles"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Joined"</th>
                    {manage.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn MemberRow(
    workspace: TenantId,
    member: MemberView,
    is_me: bool,
    /// Whether the table has an actions column.
    manage: bool,
    /// Whether this member's role may be changed and the member removed.
    editable: bool,
    roles: Vec<Role>,
    change: ChangeRole,
    remove: RemoveMember,
) -> impl IntoView {
    let user = member.user_id;
    let role = RwSignal::new(member.role.as_str().to_owned());
    let current = member.role;
    let busy = Signal::derive(move || change.pending().get() || remove.pending().get());
    let role_cell = if editable {
        let select_id = format!("role-{user}");
        view! {
            <form
                method="post"
                class="inline-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    change.dispatch((workspace, user, role.get_untracked()));
                }
            >
                <RoleSelect
                    id=select_id
                    value=role
                    roles
                    aria_label=format!("Role of {}", member.name)
                    disabled=busy
                    testid="member-role"
                />
                <button
                    type="submit"
                    class="button secondary small"
                    disabled=move || busy.get() || role.get() == current.as_str()
                >
                    "Save role"
                </button>
            </form>
        }
        .into_any()
    } else {
        view! { <Badge tone=Tone::Neutral text=current.label() /> }.into_any()
    };
    let remove_button = editable.then(|| {
        let label = format!("Remove {}", member.name);
        view! {
            <button
                type="button"
                class="button secondary small"
                aria-label=label
                data-testid="remove-member"
                disabled=move || busy.get()
                on:click=move |_| { remove.dispatch((workspace, user)); }
            >
                "Remove"
            </button>
        }
    });
    let actions = manage.then(|| view! { <td>{remove_button}</td> });
    view! {
        <tr data-testid="member-row">
            <th scope="row">
                {member.name.clone()}
                {is_me.then(|| view! { " " <span class="muted">"(you)"</span> })}
            </th>
            <td>{member.email}</td>
            <td>{role_cell}</td>
            <td>{utc_time!(member.joined_at)}</td>
            {actions}
        </tr>
    }
}

#[component]
fn InviteForm(workspace: TenantId, role: Role, invite: Invite) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let chosen = RwSignal::new(Role::Viewer.as_str().to_owned());
    let submitted = RwSignal::new(false);
    let email_check = move || {
        parse_email(&email.get())
            .is_err()
            .then(|| "Enter an email address, like name@example.com.".to_owned())
    };
    let email_error = Signal::derive(move || {
        email_check()
            .filter(|_| submitted.get())
            .or_else(|| server_error_for(invite.value().get(), "email"))
    });
    let alert = Signal::derive(move || error_message(invite.value().get()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = invite.value().get() {
            email.set(String::new());
            submitted.set(false);
        }
    });
    view! {
        <section aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite someone"</h2>
            <form
                method="post"
                novalidate
                data-testid="invite-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submitted.set(true);
                    if untrack(email_check).is_none() {
                        invite.dispatch((workspace, email.get_untracked(), chosen.get_untracked()));
                    }
                }
            >
                <TextField id="invite-email" name="email" label="Email" kind="email" autocomplete="off" value=email error=email_error />
                <div class="field">
                    <RoleSelect
                        id="invite-role".to_owned()
                        label="Role"
                        value=chosen
                        roles=assignable_roles(role)
                        describe=true
                        testid="invite-role"
                    />
                </div>
                <FormAlert message=alert testid="invite-error" />
                <button type="submit" class="button" disabled=move || invite.pending().get()>
                    {move || if invite.pending().get() { "Creating the invitation…" } else { "Create invitation" }}
                </button>
            </form>
            {move || match invite.value().get() {
                Some(Ok(created)) => created.link.map(|link| {
                    let emailed = if created.emailed { " It was also sent by email." } else { "" };
                    let hint = format!(
                        "Shown only once: copy it now and send it to {}. It works until it expires or is used.{emailed}",
                        created.email
                    );
                    view! {
                        <div class="notice" role="status" data-testid="invitation-created">
                            <p>"Invitation created for " <strong>{created.email.clone()}</strong> " as " {created.role.label()} "."</p>
                            <CopyField id="invitation-link" label="Invitation link" value=absolute_url(&link) testid="invitation-link" hint />
                        </div>
                    }
                }),
                _ => None,
            }}
        </section>
    }
}

#[component]
fn InvitationTable(
    workspace: TenantId,
    list: Vec<InvitationView>,
    revoke: Revoke,
) -> impl IntoView {
    let empty = list.is_empty();
    view! {
        <section aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">"Invitations"</h2>
            <FormAlert message=Signal::derive(move || error_message(revoke.value().get())) testid="invitations-error" />
            {if empty {
                view! { <p>"No invitations yet."</p> }.into_any()
            } else {
                view! {
                    <table data-testid="invitations">
                        <caption class="visually-hidden">"Invitations and where they stand"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Invited by"</th>
                                <th scope="col">"Expires"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|i| view! { <InvitationRow workspace invitation=i revoke /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn InvitationRow(workspace: TenantId, invitation: InvitationView, revoke: Revoke) -> impl IntoView {
    let (tone, state) = match invitation.status {
        InvitationStatus::Pending => (Tone::Neutral, "pending"),
        InvitationStatus::Accepted => (Tone::Good, "accepted"),
        InvitationStatus::Expired => (Tone::Warn, "expired"),
        InvitationStatus::Revoked => (Tone::Bad, "withdrawn"),
    };
    let id = invitation.id;
    let label = format!("Withdraw the invitation of {}", invitation.email);
    let pending = invitation.status == InvitationStatus::Pending;
    view! {
        <tr data-testid="invitation-row">
            <th scope="row">{invitation.email.clone()}</th>
            <td>{invitation.role.label()}</td>
            <td><Badge tone text=state /></td>
            <td>{invitation.invited_by.clone()}</td>
            <td>{utc_time!(invitation.expires_at)}</td>
            <td>
                {pending.then(|| view! {
                    <button
                        type="button"
                        class="button secondary small"
                        aria-label=label
                        disabled=move || revoke.pending().get()
                        on:click=move |_| { revoke.dispatch((workspace, id)); }
                    >
                        "Withdraw"
                    </button>
                })}
            </td>
        </tr>
    }
}
