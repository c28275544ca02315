use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::forms::ErrorNotice;
use crate::components::me::use_me;
use crate::components::workspace_list::WorkspaceLinks;

/// Every workspace the person can open: their own, and each agency's clients under it.
#[component]
pub fn Workspaces() -> impl IntoView {
    let me = use_me();
    view! {
        <Title text="Your workspaces" />
        <h1>"Your workspaces"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.resource.await {
                    Ok(Some(me)) if me.workspaces.is_empty() => view! {
                        <p>"You are not in any workspace yet. Ask for an invitation link."</p>
                    }.into_any(),
                    Ok(Some(me)) => view! {
                        <div data-testid="workspace-list">
                            <WorkspaceLinks workspaces=me.workspaces />
                        </div>
                    }.into_any(),
                    Ok(None) => view! {
                        <p>"Sign in to see your workspaces."</p>
                        <p><a class="button" href="/sign-in?next=/workspaces">"Sign in"</a></p>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
