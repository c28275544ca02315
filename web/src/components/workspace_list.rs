//! A person's workspaces, grouped the way they think of them: their own workspaces, with each
//! agency's clients under it. A client workspace whose agency the person cannot open stands on
//! its own, labelled with its agency.

use domain::dto::workspaces::{WorkspaceKind, WorkspaceView};
use leptos::prelude::*;

/// A top-level workspace and the clients listed under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceGroup {
    pub workspace: WorkspaceView,
    pub clients: Vec<WorkspaceView>,
}

/// Groups workspaces, keeping their order.
pub fn group_workspaces(workspaces: &[WorkspaceView]) -> Vec<WorkspaceGroup> {
    let listed = |id| workspaces.iter().any(|w| w.id == id);
    let mut groups: Vec<WorkspaceGroup> = workspaces
        .iter()
        .filter(|w| w.agency.as_ref().is_none_or(|a| !listed(a.id)))
        .map(|w| WorkspaceGroup {
            workspace: w.clone(),
            clients: Vec::new(),
        })
        .collect();
    for w in workspaces {
        if let Some(agency) = &w.agency
            && let Some(group) = groups.iter_mut().find(|g| g.workspace.id == agency.id)
        {
            group.clients.push(w.clone());
        }
    }
    groups
}

/// How a workspace is described next to its name.
pub fn workspace_note(w: &WorkspaceView) -> String {
    match (&w.agency, w.kind) {
        (Some(agency), _) => format!("client of {}", agency.name),
        (None, WorkspaceKind::Agency) => "agency".to_owned(),
        (None, WorkspaceKind::Brand) => "brand".to_owned(),
    }
}

/// The grouped list of workspaces, as links; `compact` leaves out the role (for the header).
#[component]
pub fn WorkspaceLinks(
    workspaces: Vec<WorkspaceView>,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let groups = group_workspaces(&workspaces);
    view! {
        <ul class=if compact { "workspace-links compact" } else { "workspace-links" }>
            {groups
                .into_iter()
                .map(|g| {
                    let clients = (!g.clients.is_empty()).then(|| {
                        let label = format!("Clients of {}", g.workspace.name);
                        view! {
                            <ul aria-label=label>
                                {g.clients.into_iter().map(|c| view! { <li><WorkspaceLink workspace=c compact /></li> }).collect_view()}
                            </ul>
                        }
                    });
                    view! {
                        <li>
                            <WorkspaceLink workspace=g.workspace compact />
                            {clients}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn WorkspaceLink(workspace: WorkspaceView, compact: bool) -> impl IntoView {
    let href = format!("/w/{}", workspace.id);
    let note = workspace_note(&workspace);
    let role = workspace.role.label();
    view! {
        <a href=href data-testid="workspace-link">{workspace.name}</a>
        " "
        <span class="muted">
            {if compact { format!("({note})") } else { format!("({note}; you are {})", role.to_lowercase()) }}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workspace view, built the way the browser receives it (`web` has no chrono of its own).
    fn ws(n: u128, name: &str, kind: &str, agency: Option<(u128, &str)>) -> WorkspaceView {
        let id = |n: u128| uuid::Uuid::from_u128(n).to_string();
        serde_json::from_value(serde_json::json!({
            "id": id(n),
            "name": name,
            "slug": name.to_lowercase(),
            "kind": kind,
            "agency": agency.map(|(a, name)| serde_json::json!({ "id": id(a), "name": name })),
            "role": "owner",
            "access": "member",
            "created_at": "2025-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    #[test]
    fn clients_are_listed_under_their_agency_and_orphans_stand_alone() {
        let list = vec![
            ws(1, "Agency", "agency", None),
            ws(2, "Brand", "brand", None),
            ws(3, "Client", "brand", Some((1, "Agency"))),
            ws(4, "Other client", "brand", Some((9, "Elsewhere"))),
        ];
        let groups = group_workspaces(&list);
        let names: Vec<_> = groups.iter().map(|g| g.workspace.name.as_str()).collect();
        assert_eq!(names, ["Agency", "Brand", "Other client"]);
        assert_eq!(groups[0].clients.len(), 1);
        assert_eq!(groups[0].clients[0].name, "Client");
        assert_eq!(workspace_note(&groups[2].workspace), "client of Elsewhere");
        assert_eq!(workspace_note(&groups[0].workspace), "agency");
    }
}
