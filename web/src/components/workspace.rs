//! What every workspace page shares: the workspace from the path, its heading, and the tabs the
//! person's role can use.

use domain::authz::{Permission, Role};
use domain::dto::workspaces::{WorkspaceKind, WorkspaceView};
use domain::ids::TenantId;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::ApiError;
use crate::api::workspaces::get_workspace;
use crate::components::badge::{Badge, Tone};
use crate::components::forms::ErrorNotice;

/// The workspace of a `/w/:workspace_id/...` page.
#[derive(Clone, Copy)]
pub struct WorkspaceData {
    /// The id from the path; `None` when it is not an id.
    pub id: Memo<Option<TenantId>>,
    pub workspace: Resource<Result<WorkspaceView, ApiError>>,
}

/// Reads the workspace of the current path. Call once at the top of a workspace page.
pub fn use_workspace() -> WorkspaceData {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("workspace_id")
            .and_then(|s| s.parse::<TenantId>().ok())
    });
    let workspace = Resource::new(move || id.get(), |id| with_workspace(id, get_workspace));
    WorkspaceData { id, workspace }
}

/// Calls `f` with the workspace id, or answers "not found" when the path holds none.
pub async fn with_workspace<T, F, Fut>(id: Option<TenantId>, f: F) -> Result<T, ApiError>
where
    F: FnOnce(TenantId) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    match id {
        Some(id) => f(id).await,
        None => Err(ApiError {
            code: domain::ErrorCode::NotFound,
            message: "workspace not found".to_owned(),
        }),
    }
}

/// The workspace pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Data,
    Members,
    ApiKeys,
    Audit,
}

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Data => "Data and connections",
            Self::Members => "Members and invitations",
            Self::ApiKeys => "API keys",
            Self::Audit => "Audit log",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Overview => "",
            Self::Data => "/connections",
            Self::Members => "/members",
            Self::ApiKeys => "/api-keys",
            Self::Audit => "/audit",
        }
    }

    fn testid(self) -> &'static str {
        match self {
            Self::Overview => "tab-overview",
            Self::Data => "tab-data",
            Self::Members => "tab-members",
            Self::ApiKeys => "tab-api-keys",
            Self::Audit => "tab-audit",
        }
    }

    /// The tabs `role` can use.
    pub fn visible_to(role: Role) -> Vec<Tab> {
        let mut tabs = vec![Self::Overview, Self::Data, Self::Members];
        if role.can(Permission::ManageApiKeys) {
            tabs.push(Self::ApiKeys);
        }
        if role.can(Permission::ReadAudit) {
            tabs.push(Self::Audit);
        }
        tabs
    }
}

/// The workspace's name, kind and the person's role, and the tabs. Shows why the workspace
/// cannot be opened instead, when it cannot.
#[component]
pub fn WorkspaceHeader(data: WorkspaceData) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p>"Loading the workspace…"</p> }>
            {move || Suspend::new(async move {
                match data.workspace.await {
                    Ok(ws) => view! { <WorkspaceHeading ws /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn WorkspaceHeading(ws: WorkspaceView) -> impl IntoView {
    let kind = match (&ws.agency, ws.kind) {
        (Some(_), _) => "Client workspace",
        (None, WorkspaceKind::Agency) => "Agency workspace",
        (None, WorkspaceKind::Brand) => "Brand workspace",
    };
    let managed_by = ws.agency.as_ref().map(|a| {
        view! { " · managed by " <strong>{a.name.clone()}</strong> }
    });
    let base = format!("/w/{}", ws.id);
    let tabs = Tab::visible_to(ws.role)
        .into_iter()
        .map(|t| {
            let href = format!("{base}{}", t.path());
            view! { <li><A href=href exact=true attr:data-testid=t.testid()>{t.label()}</A></li> }
        })
        .collect_view();
    view! {
        <div class="workspace-head">
            <p class="eyebrow">{kind}{managed_by}</p>
            <h1 data-testid="workspace-name">{ws.name.clone()}</h1>
            <p>
                "Your role: "
                <span data-testid="workspace-role"><Badge tone=Tone::Neutral text=ws.role.label() /></span>
                " "<span class="muted">{ws.role.describe()}"."</span>
            </p>
        </div>
        <nav aria-label="Workspace" class="tabs">
            <ul>{tabs}</ul>
        </nav>
    }
}

/// The roles a person with `role` may hand out: every role for an owner, every role but owner
/// for the others.
pub fn assignable_roles(role: Role) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Owner || role.can(Permission::ManageOwners))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_hand_out_the_owner_role_and_viewers_see_no_admin_tabs() {
        assert!(assignable_roles(Role::Owner).contains(&Role::Owner));
        assert!(!assignable_roles(Role::Admin).contains(&Role::Owner));
        // Everyone reads the workspace's data; only admins see keys and the audit log.
        assert_eq!(
            Tab::visible_to(Role::Viewer),
            [Tab::Overview, Tab::Data, Tab::Members]
        );
        assert_eq!(
            Tab::visible_to(Role::Admin),
            [
                Tab::Overview,
                Tab::Data,
                Tab::Members,
                Tab::ApiKeys,
                Tab::Audit
            ]
        );
    }
}
