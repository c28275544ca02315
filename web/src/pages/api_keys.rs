use domain::authz::{Permission, Role};
use domain::dto::workspaces::{ApiKeyCreated, ApiKeyView};
use domain::ids::{ApiKeyId, TenantId};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::ApiError;
use crate::api::workspaces::{create_api_key, list_api_keys, revoke_api_key};
use crate::components::badge::{Badge, Tone};
use crate::components::copy_field::CopyField;
use crate::components::forms::{
    ErrorNotice, FormAlert, RoleSelect, TextField, error_message, server_error_for,
};
use crate::components::time::utc_time;
use crate::components::workspace::{
    WorkspaceHeader, assignable_roles, use_workspace, with_workspace,
};

type CreateKey = Action<(TenantId, String, String), Result<ApiKeyCreated, ApiError>>;
type RevokeKey = Action<(TenantId, ApiKeyId), Result<(), ApiError>>;

/// A workspace's API keys: for scripts and other systems. The secret is shown once, when the
/// key is created.
#[component]
pub fn ApiKeys() -> impl IntoView {
    let data = use_workspace();
    let create: CreateKey = Action::new(|(ws, name, role): &(TenantId, String, String)| {
        create_api_key(*ws, name.clone(), role.clone())
    });
    let revoke: RevokeKey = Action::new(|(ws, id): &(TenantId, ApiKeyId)| revoke_api_key(*ws, *id));
    let keys = Resource::new(
        move || {
            (
                data.id.get(),
                create.version().get(),
                revoke.version().get(),
            )
        },
        move |(id, _, _)| async move {
            let ws = data.workspace.await?;
            if ws.role.can(Permission::ManageApiKeys) {
                with_workspace(id, list_api_keys).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );

    view! {
        <Title text="API keys" />
        <WorkspaceHeader data />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                data.workspace.await.ok().map(|ws| {
                    if ws.role.can(Permission::ManageApiKeys) {
                        view! { <NewKeyForm workspace=ws.id role=ws.role create /> }.into_any()
                    } else {
                        view! {
                            <p class="notice" data-testid="api-keys-forbidden">
                                "Your role (" {ws.role.label()} ") cannot manage API keys."
                            </p>
                        }.into_any()
                    }
                })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Loading the keys…"</p> }>
            {move || Suspend::new(async move {
                let result = keys.await;
                match (data.id.get_untracked(), result) {
                    (Some(workspace), Ok(Some(list))) => view! { <KeyTable workspace list revoke /> }.into_any(),
                    (_, Ok(_)) => ().into_any(),
                    (_, Err(e)) if matches!(e.code, domain::ErrorCode::NotFound | domain::ErrorCode::Unauthenticated) => ().into_any(),
                    (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewKeyForm(workspace: TenantId, role: Role, create: CreateKey) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(Role::Viewer.as_str().to_owned());
    let submitted = RwSignal::new(false);
    let name_check = move || {
        name.get()
            .trim()
            .is_empty()
            .then(|| "Name the key after what will use it, like \"Nightly export\".".to_owned())
    };
    let name_error = Signal::derive(move || {
        name_check()
            .filter(|_| submitted.get())
            .or_else(|| server_error_for(create.value().get(), "name"))
    });
    let alert = Signal::derive(move || error_message(create.value().get()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            submitted.set(false);
        }
    });
    view! {
        <section aria-labelledby="new-key-heading">
            <h2 id="new-key-heading">"New API key"</h2>
            <form
                method="post"
                novalidate
                data-testid="create-api-key-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submitted.set(true);
                    if untrack(name_check).is_none() {
                        create.dispatch((workspace, name.get_untracked(), chosen.get_untracked()));
                    }
                }
            >
                <TextField id="key-name" name="name" label="Name" autocomplete="off" value=name error=name_error />
                <div class="field">
                    <RoleSelect
                        id="key-role".to_owned()
                        label="Role"
                        value=chosen
                        roles=assignable_roles(role)
                        describe=true
                        testid="api-key-role"
                    />
                </div>
                <FormAlert message=alert testid="api-key-error" />
                <button type="submit" class="button" disabled=move || create.pending().get()>
                    "Create API key"
                </button>
            </form>
            {move || match create.value().get() {
                Some(Ok(created)) => Some(view! {
                    <div class="notice" role="status" data-testid="api-key-created">
                        <p>"Created the key " <strong>{created.key.name.clone()}</strong> "."</p>
                        <CopyField
                            id="api-key-secret"
                            label="Secret"
                            value=created.secret
                            testid="api-key-secret"
                            hint="Shown only once: copy it now and keep it somewhere safe. Programs send it in the Authorization header, as Bearer followed by the secret."
                        />
                    </div>
                }),
                _ => None,
            }}
        </section>
    }
}

#[component]
fn KeyTable(workspace: TenantId, list: Vec<ApiKeyView>, revoke: RevokeKey) -> impl IntoView {
    let empty = list.is_empty();
    view! {
        <section aria-labelledby="keys-heading">
            <h2 id="keys-heading">"Keys"</h2>
            <FormAlert message=Signal::derive(move || error_message(revoke.value().get())) testid="revoke-key-error" />
            {if empty {
                view! { <p>"No API keys yet."</p> }.into_any()
            } else {
                view! {
                    <table data-testid="api-keys">
                        <caption class="visually-hidden">"API keys"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Key"</th>
                                <th scope="col">"Created by"</th>
                                <th scope="col">"Last used"</th>
                                <th scope="col">"State"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|k| view! { <KeyRow workspace key_view=k revoke /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn KeyRow(workspace: TenantId, key_view: ApiKeyView, revoke: RevokeKey) -> impl IntoView {
    let id = key_view.id;
    let label = format!("Revoke the key {}", key_view.name);
    let state = match key_view.revoked_at {
        Some(at) => {
            view! { <Badge tone=Tone::Bad text="revoked" /> " " {utc_time!(at)} }.into_any()
        }
        None => view! { <Badge tone=Tone::Good text="active" /> }.into_any(),
    };
    let active = key_view.revoked_at.is_none();
    view! {
        <tr data-testid="api-key-row">
            <th scope="row">{key_view.name.clone()}</th>
            <td>{key_view.role.label()}</td>
            <td><code>{key_view.prefix.clone()}"…"</code></td>
            <td>{key_view.created_by.clone()}" · "{utc_time!(key_view.created_at)}</td>
            <td>{key_view.last_used_at.map_or_else(|| view! { "never" }.into_any(), |t| utc_time!(t).into_any())}</td>
            <td>{state}</td>
            <td>
                {active.then(|| view! {
                    <button
                        type="button"
                        class="button secondary small"
                        aria-label=label
                        data-testid="revoke-api-key"
                        disabled=move || revoke.pending().get()
                        on:click=move |_| { revoke.dispatch((workspace, id)); }
                    >
                        "Revoke"
                    </button>
                })}
            </td>
        </tr>
    }
}
