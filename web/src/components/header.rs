//! The right-hand side of the top bar: the workspace switcher, who is signed in, and signing out;
//! or the links to sign in and to sign up.

use domain::dto::accounts::MeView;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::accounts::sign_out;
use crate::components::me::use_me;
use crate::components::workspace_list::WorkspaceLinks;

#[component]
pub fn AccountMenu() -> impl IntoView {
    let me = use_me();
    let sign_out = Action::new(|_: &()| sign_out());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            me.refetch();
            navigate("/", Default::default());
        }
    });
    view! {
        <div class="account">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.resource.await {
                        Ok(Some(me)) => view! {
                            <SignedIn me sign_out />
                        }.into_any(),
                        _ => view! {
                            <A href="/sign-in" attr:class="button secondary">"Sign in"</A>
                            <A href="/sign-up" attr:class="button">"Sign up"</A>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn SignedIn(me: MeView, sign_out: Action<(), Result<(), crate::api::ApiError>>) -> impl IntoView {
    let MeView { user, workspaces } = me;
    view! {
        <WorkspaceSwitcher workspaces />
        <A href="/account" attr:class="who" attr:data-testid="signed-in-as" attr:title="Your account">{user.email}</A>
        <button
            type="button"
            class="button secondary"
            on:click=move |_| { sign_out.dispatch(()); }
            disabled=move || sign_out.pending().get()
        >
            "Sign out"
        </button>
    }
}

/// A disclosure menu of every workspace the person can open, agency clients under their agency.
/// It closes when the person follows one of its links.
#[component]
fn WorkspaceSwitcher(workspaces: Vec<domain::dto::workspaces::WorkspaceView>) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Details>::new();
    let location = use_location();
    let current = {
        let workspaces = workspaces.clone();
        move || {
            let path = location.pathname.get();
            let id = path.strip_prefix("/w/")?.split('/').next()?.to_owned();
            workspaces
                .iter()
                .find(|w| w.id.to_string() == id)
                .map(|w| w.name.clone())
        }
    };
    // Close the menu after navigating.
    Effect::new(move |_| {
        location.pathname.track();
        if let Some(details) = menu.get_untracked() {
            details.set_open(false);
        }
    });
    let empty = workspaces.is_empty();
    view! {
        <details class="switcher" node_ref=menu data-testid="workspace-switcher">
            <summary>
                <span class="visually-hidden">"Workspace: "</span>
                {move || current().unwrap_or_else(|| "Workspaces".to_owned())}
            </summary>
            <div class="switcher-menu">
                {if empty {
                    view! { <p>"You are not in any workspace yet."</p> }.into_any()
                } else {
                    view! { <WorkspaceLinks workspaces compact=true /> }.into_any()
                }}
                <p><A href="/workspaces">"All workspaces"</A></p>
            </div>
        </details>
    }
}
