use domain::authz::Permission;
use domain::dto::workspaces::{WorkspaceKind, WorkspaceView};
use domain::ids::TenantId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::ApiError;
use crate::api::workspaces::{create_client, list_clients};
use crate::components::forms::{ErrorNotice, FormAlert, error_message, server_error_for};
use crate::components::me::use_me;
use crate::components::time::utc_time;
use crate::components::workspace::{WorkspaceHeader, use_workspace, with_workspace};

type CreateClient = Action<(TenantId, String), Result<WorkspaceView, ApiError>>;

/// A workspace's home: what it is, the person's role, and for an agency its client workspaces.
#[component]
pub fn WorkspaceHome() -> impl IntoView {
    let data = use_workspace();
    let me = use_me();
    let create: CreateClient =
        Action::new(|(ws, name): &(TenantId, String)| create_client(*ws, name.clone()));
    // The switcher lists the new client too.
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            me.refetch();
        }
    });
    let clients = Resource::new(
        move || (data.id.get(), create.version().get()),
        move |(id, _)| async move {
            let ws = data.workspace.await?;
            if ws.kind == WorkspaceKind::Agency {
                with_workspace(id, list_clients).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );

    view! {
        <Title text="Workspace" />
        <WorkspaceHeader data />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                data.workspace.await.ok().map(|ws| view! { <About ws /> })
            })}
        </Transition>
        <Transition fallback=|| view! { <p>"Loading the clients…"</p> }>
            {move || Suspend::new(async move {
                match clients.await {
                    Ok(Some(clients)) => view! { <ClientList clients /> }.into_any(),
                    Ok(None) => ().into_any(),
                    // The header already says why the workspace cannot be opened.
                    Err(e) if e.code == domain::ErrorCode::NotFound || e.code == domain::ErrorCode::Unauthenticated => ().into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                data.workspace.await.ok().and_then(|ws| {
                    (ws.kind == WorkspaceKind::Agency && ws.role.can(Permission::ManageClients))
                        .then(|| view! { <NewClientForm workspace=ws.id create /> })
                })
            })}
        </Suspense>
    }
}

#[component]
fn About(ws: WorkspaceView) -> impl IntoView {
    let kind = match ws.kind {
        WorkspaceKind::Agency => "Agency: manages client workspaces",
        WorkspaceKind::Brand => "Brand",
    };
    let base = format!("/w/{}", ws.id);
    view! {
        <section aria-labelledby="about-heading">
            <h2 id="about-heading">"About this workspace"</h2>
            <dl class="facts">
                <dt>"Kind"</dt><dd data-testid="workspace-kind">{kind}</dd>
                <dt>"Address"</dt><dd><code>{ws.slug.clone()}</code></dd>
                <dt>"Created"</dt><dd>{utc_time!(ws.created_at)}</dd>
            </dl>
            <p><A href=format!("{base}/members")>"See who is in this workspace"</A></p>
        </section>
    }
}

#[component]
fn ClientList(clients: Vec<WorkspaceView>) -> impl IntoView {
    let empty = clients.is_empty();
    view! {
        <section aria-labelledby="clients-heading">
            <h2 id="clients-heading">"Client workspaces"</h2>
            {if empty {
                view! { <p data-testid="no-clients">"No client workspaces yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list" data-testid="client-list">
                        {clients
                            .into_iter()
                            .map(|c| view! {
                                <li><A href=format!("/w/{}", c.id)>{c.name}</A></li>
                            })
                            .collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn NewClientForm(workspace: TenantId, create: CreateClient) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);
    let name_check = move || {
        name.get()
            .trim()
            .is_empty()
            .then(|| "Name the client workspace.".to_owned())
    };
    let name_error = Signal::derive(move || {
        name_check()
            .filter(|_| submitted.get())
            .or_else(|| server_error_for(create.value().get(), "name"))
    });
    let alert = Signal::derive(move || error_message(create.value().get()));
    // A created client empties the form for the next one.
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            submitted.set(false);
        }
    });
    view! {
        <section aria-labelledby="new-client-heading">
            <h2 id="new-client-heading">"New client workspace"</h2>
            <form
                method="post"
                novalidate
                data-testid="create-client-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    submitted.set(true);
                    if untrack(name_check).is_none() {
                        create.dispatch((workspace, name.get_untracked()));
                    }
                }
            >
                <crate::components::forms::TextField
                    id="client-name"
                    name="name"
                    label="Client name"
                    hint="The client's brand. Your agency's members get the same role in it.".to_owned()
                    value=name
                    error=name_error
                />
                <FormAlert message=alert />
                <button type="submit" class="button" disabled=move || create.pending().get()>
                    "Create client workspace"
                </button>
            </form>
            <div role="status" data-testid="create-client-status">
                {move || match create.value().get() {
                    Some(Ok(ws)) => Some(view! {
                        <p>"Created " <A href=format!("/w/{}", ws.id)>{ws.name}</A> "."</p>
                    }),
                    _ => None,
                }}
            </div>
        </section>
    }
}
