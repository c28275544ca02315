use domain::authz::Permission;
use domain::dto::workspaces::{AuditEntryView, AuditPage};
use domain::ids::{AuditEntryId, TenantId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::workspaces::audit_log;
use crate::components::forms::ErrorNotice;
use crate::components::time::utc_time;
use crate::components::workspace::{WorkspaceHeader, use_workspace};

/// The workspace's audit log, newest first, a page at a time (`?before=<entry id>`).
#[component]
pub fn Audit() -> impl IntoView {
    let data = use_workspace();
    let query = use_query_map();
    let before = Memo::new(move |_| {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<AuditEntryId>().ok())
    });
    let page = Resource::new(
        move || (data.id.get(), before.get()),
        move |(id, before)| async move {
            let ws = data.workspace.await?;
            match id {
                Some(id) if ws.role.can(Permission::ReadAudit) => {
                    audit_log(id, before).await.map(Some)
                }
                _ => Ok(None),
            }
        },
    );

    view! {
        <Title text="Audit log" />
        <WorkspaceHeader data />
        <section aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Audit log"</h2>
            <Transition fallback=|| view! { <p>"Loading the log…"</p> }>
                {move || Suspend::new(async move {
                    let result = page.await;
                    let first = before.get_untracked().is_none();
                    match (data.id.get_untracked(), result) {
                        (Some(workspace), Ok(Some(page))) => view! { <AuditTable workspace page first /> }.into_any(),
                        (_, Ok(None)) => view! {
                            <p class="notice" data-testid="audit-forbidden">"Your role cannot read the audit log."</p>
                        }.into_any(),
                        (_, Err(e)) if matches!(e.code, domain::ErrorCode::NotFound | domain::ErrorCode::Unauthenticated) => ().into_any(),
                        (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                        (None, Ok(Some(_))) => ().into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(workspace: TenantId, page: AuditPage, first: bool) -> impl IntoView {
    let AuditPage {
        entries,
        next_before,
    } = page;
    let empty = entries.is_empty();
    let base = format!("/w/{workspace}/audit");
    let newer = (!first).then(|| view! { <A href=base.clone()>"Newest entries"</A> });
    let older = next_before.map(|id| {
        view! { <A href=format!("{base}?before={id}") attr:data-testid="audit-older">"Older entries"</A> }
    });
    view! {
        {if empty {
            view! { <p>"Nothing has been recorded yet."</p> }.into_any()
        } else {
            view! {
                <table data-testid="audit-log">
                    <caption class="visually-hidden">"Changes to this workspace, newest first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Who"</th>
                            <th scope="col">"What"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col">"Change"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {entries.into_iter().map(|e| view! { <AuditRow entry=e /> }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <nav aria-label="Audit log pages" class="pager">{newer}" "{older}</nav>
    }
}

#[component]
fn AuditRow(entry: AuditEntryView) -> impl IntoView {
    let json = |v: Option<serde_json::Value>| v.map_or_else(|| "—".to_owned(), |v| v.to_string());
    let change = match (&entry.before, &entry.after) {
        (None, None) => view! { "—" }.into_any(),
        _ => view! {
            <code>{json(entry.before.clone())}</code>
            " → "
            <code>{json(entry.after.clone())}</code>
        }
        .into_any(),
    };
    view! {
        <tr data-testid="audit-row">
            <td>{utc_time!(entry.at)}</td>
            <td>{entry.actor.clone()}</td>
            <td><code>{entry.action.clone()}</code></td>
            <td>{entry.target_type.clone()}" "<code class="muted">{entry.target_id.clone()}</code></td>
            <td class="change">{change}</td>
        </tr>
    }
}
