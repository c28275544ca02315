//! Workspaces, agencies and their clients, members and roles, invitations, API keys and the
//! audit log, through the JSON API.

use domain::authz::Role;
use domain::dto::accounts::MeView;
use domain::dto::workspaces::{
    Access, ApiKeyCreated, ApiKeyView, AuditPage, InvitationStatus, InvitationView, MemberView,
    WorkspaceKind, WorkspaceView,
};
use domain::{ApiErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both_modes;
use crate::helpers::{Mode, PASSWORD, spawn_app, spawn_app_with};
use crate::smtp::FakeSmtp;

both_modes! {
    async fn agency_members_reach_every_client_and_client_members_reach_only_theirs(mode: Mode) {
        let app = spawn_app(mode).await;
        let agency_owner = app.sign_up("owner@agency.com", "Northwind Agency", WorkspaceKind::Agency).await;
        let agency = agency_owner.workspace.as_ref().unwrap().id;
        let acme = app.create_client(&agency_owner, agency, "Acme").await;
        let globex = app.create_client(&agency_owner, agency, "Globex").await;
        assert_eq!(acme.agency.as_ref().unwrap().id, agency);
        assert_eq!(acme.kind, WorkspaceKind::Brand);

        let strategist = app.add_member(&agency_owner, agency, "strat@agency.com", "strategist").await;
        let me: MeView = app.request(Method::GET, "/api/v1/me", Some(&strategist)).send().await.unwrap().json().await.unwrap();
        let names: Vec<(&str, Role, Access)> = me.workspaces.iter().map(|w| (w.name.as_str(), w.role, w.access)).collect();
        assert_eq!(names, [
            ("Acme", Role::Strategist, Access::Agency),
            ("Globex", Role::Strategist, Access::Agency),
            ("Northwind Agency", Role::Strategist, Access::Member),
        ]);

        let client_viewer = app.add_member(&agency_owner, acme.id, "cmo@acme.com", "viewer").await;
        let me: MeView = app.request(Method::GET, "/api/v1/me", Some(&client_viewer)).send().await.unwrap().json().await.unwrap();
        assert_eq!(me.workspaces.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["Acme"]);
        for ws in [agency, globex.id] {
            let res = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}"), Some(&client_viewer)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
        }
        let clients: Vec<WorkspaceView> = app.request(Method::GET, &format!("/api/v1/workspaces/{agency}/clients"), Some(&strategist))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(clients.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["Acme", "Globex"]);
        // A brand has no clients.
        let res = app.request(Method::POST, &format!("/api/v1/workspaces/{}/clients", acme.id), Some(&agency_owner))
            .json(&json!({"name": "Sub"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
    }

    async fn an_invitation_link_works_once_for_its_address(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let invitation = app.invite(&owner, ws, "Viewer@Example.com", "viewer").await;
        assert_eq!(invitation.email, "viewer@example.com");
        assert_eq!(invitation.status, InvitationStatus::Pending);
        let link = invitation.link.clone().unwrap();
        let token = link.strip_prefix("/invitations/").unwrap();
        let preview: serde_json::Value = app.request(Method::GET, &format!("/api/v1/invitations/{token}"), None).send().await.unwrap().json().await.unwrap();
        assert_eq!(preview["workspace"], "acme workspace");
        assert_eq!(preview["role"], "viewer");

        // Another address cannot use it.
        let res = app.request(Method::POST, "/api/v1/users", None)
            .json(&json!({"email": "thief@example.com", "name": "T", "password": PASSWORD, "invitation": token}))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let joined = app.sign_up_invited("viewer@example.com", &link).await;
        let landed = joined.workspace.as_ref().unwrap();
        assert_eq!((landed.id, landed.role), (ws, Role::Viewer));
        // Used up.
        let res = app.request(Method::POST, "/api/v1/users", None)
            .json(&json!({"email": "viewer2@example.com", "name": "T", "password": PASSWORD, "invitation": token}))
            .send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let listed: Vec<InvitationView> = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/invitations"), Some(&owner))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0].status, InvitationStatus::Accepted);
        assert_eq!(listed[0].link, None, "the link is shown only once");

        // An existing account accepts while signed in; a withdrawn link stops working.
        let (other, _) = app.owner("other").await;
        let second = app.invite(&owner, ws, &other.user.email, "approver").await;
        let revoked = app.invite(&owner, ws, "late@example.com", "viewer").await;
        let res = app.request(Method::DELETE, &format!("/api/v1/workspaces/{ws}/invitations/{}", revoked.id), Some(&owner)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let revoked_token = revoked.link.unwrap().rsplit('/').next().unwrap().to_owned();
        let res = app.request(Method::GET, &format!("/api/v1/invitations/{revoked_token}"), None).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let token = second.link.unwrap().rsplit('/').next().unwrap().to_owned();
        let res = app.request(Method::POST, &format!("/api/v1/invitations/{token}/accept"), Some(&other)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let joined: WorkspaceView = res.json().await.unwrap();
        assert_eq!((joined.id, joined.role), (ws, Role::Approver));
    }

    async fn roles_change_within_the_owner_rules(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let admin = app.add_member(&owner, ws, "admin@example.com", "admin").await;
        let viewer = app.add_member(&owner, ws, "viewer@example.com", "viewer").await;
        let change = |who: &domain::dto::accounts::SessionView, user: domain::ids::UserId, role: &str| {
            app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{user}"), Some(who)).json(&json!({"role": role})).send()
        };
        // An admin re-roles a viewer, but cannot make an owner or touch the owner.
        let res = change(&admin, viewer.user.id, "strategist").await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.json::<MemberView>().await.unwrap().role, Role::Strategist);
        assert_eq!(change(&admin, viewer.user.id, "owner").await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(change(&admin, owner.user.id, "viewer").await.unwrap().status(), StatusCode::FORBIDDEN);
        let res = change(&owner, viewer.user.id, "superuser").await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.json::<ApiErrorBody>().await.unwrap().message.starts_with("role: must be one of"));
        // The last owner stays an owner, until there is another.
        let res = change(&owner, owner.user.id, "admin").await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert_eq!(change(&owner, admin.user.id, "owner").await.unwrap().status(), StatusCode::OK);
        assert_eq!(change(&owner, owner.user.id, "admin").await.unwrap().status(), StatusCode::OK);
        // A removed member loses access.
        let res = app.request(Method::DELETE, &format!("/api/v1/workspaces/{ws}/members/{}", viewer.user.id), Some(&admin)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}"), Some(&viewer)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    async fn an_api_key_is_shown_once_works_in_its_workspace_and_stops_when_revoked(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let (_, other_ws) = app.owner("other").await;
        let res = app.request(Method::POST, &format!("/api/v1/workspaces/{ws}/api-keys"), Some(&owner))
            .json(&json!({"name": "CI", "role": "strategist"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let created: ApiKeyCreated = res.json().await.unwrap();
        assert!(created.secret.starts_with("mpk_") && created.secret.starts_with(&created.key.prefix));
        let as_key = |method: Method, path: String| app.client.request(method, format!("{}{path}", app.address)).bearer_auth(&created.secret).send();

        assert_eq!(as_key(Method::GET, format!("/api/v1/workspaces/{ws}")).await.unwrap().status(), StatusCode::OK);
        assert_eq!(as_key(Method::POST, format!("/api/v1/workspaces/{ws}/diagnostics")).await.unwrap().status(), StatusCode::ACCEPTED);
        assert_eq!(as_key(Method::GET, format!("/api/v1/workspaces/{ws}/members")).await.unwrap().status(), StatusCode::OK);
        assert_eq!(as_key(Method::GET, format!("/api/v1/workspaces/{ws}/audit")).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(as_key(Method::GET, format!("/api/v1/workspaces/{other_ws}")).await.unwrap().status(), StatusCode::NOT_FOUND);
        assert_eq!(as_key(Method::GET, "/api/v1/me".into()).await.unwrap().status(), StatusCode::FORBIDDEN);

        let keys: Vec<ApiKeyView> = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/api-keys"), Some(&owner)).send().await.unwrap().json().await.unwrap();
        let text = serde_json::to_string(&keys).unwrap();
        assert!(!text.contains(&created.secret), "the secret is never listed");
        assert!(keys[0].last_used_at.is_some());

        let res = app.request(Method::DELETE, &format!("/api/v1/workspaces/{ws}/api-keys/{}", created.key.id), Some(&owner)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = as_key(Method::GET, format!("/api/v1/workspaces/{ws}")).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.json::<ApiErrorBody>().await.unwrap().code, ErrorCode::Unauthenticated);
    }

    async fn an_api_key_works_only_while_its_creator_could_still_create_it(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let admin = app.add_member(&owner, ws, "admin@example.com", "admin").await;
        let created: ApiKeyCreated = app.request(Method::POST, &format!("/api/v1/workspaces/{ws}/api-keys"), Some(&admin))
            .json(&json!({"name": "CI", "role": "strategist"})).send().await.unwrap().json().await.unwrap();
        let status = || async {
            app.client.get(format!("{}/api/v1/workspaces/{ws}", app.address)).bearer_auth(&created.secret).send().await.unwrap().status()
        };
        let role = |r: &'static str| app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{}", admin.user.id), Some(&owner))
            .json(&json!({"role": r})).send();
        assert_eq!(status().await, StatusCode::OK);
        // The creator becomes a viewer, who could not hold keys: the key stops.
        assert_eq!(role("viewer").await.unwrap().status(), StatusCode::OK);
        let res = app.client.get(format!("{}/api/v1/workspaces/{ws}", app.address)).bearer_auth(&created.secret).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.json::<ApiErrorBody>().await.unwrap().message.contains("creator"));
        // An admin again: it works again (the key is bound to its creator's role, not revoked).
        assert_eq!(role("admin").await.unwrap().status(), StatusCode::OK);
        assert_eq!(status().await, StatusCode::OK);
        // The creator leaves: the key stops.
        let res = app.request(Method::DELETE, &format!("/api/v1/workspaces/{ws}/members/{}", admin.user.id), Some(&owner)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(status().await, StatusCode::UNAUTHORIZED);
        // An owner key stops when its creator is no longer an owner.
        let second = app.add_member(&owner, ws, "second@example.com", "owner").await;
        let owner_key: ApiKeyCreated = app.request(Method::POST, &format!("/api/v1/workspaces/{ws}/api-keys"), Some(&second))
            .json(&json!({"name": "root", "role": "owner"})).send().await.unwrap().json().await.unwrap();
        let key_status = || async {
            app.client.get(format!("{}/api/v1/workspaces/{ws}", app.address)).bearer_auth(&owner_key.secret).send().await.unwrap().status()
        };
        assert_eq!(key_status().await, StatusCode::OK);
        let res = app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{}", second.user.id), Some(&owner))
            .json(&json!({"role": "admin"})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(key_status().await, StatusCode::UNAUTHORIZED);
    }

    async fn every_change_is_in_the_audit_log_with_who_and_before_and_after(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        let viewer = app.add_member(&owner, ws, "viewer@example.com", "viewer").await;
        app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}/members/{}", viewer.user.id), Some(&owner))
            .json(&json!({"role": "approver"})).send().await.unwrap();
        app.request(Method::PATCH, &format!("/api/v1/workspaces/{ws}"), Some(&owner))
            .json(&json!({"name": "Acme Outdoor"})).send().await.unwrap();
        let key: ApiKeyCreated = app.request(Method::POST, &format!("/api/v1/workspaces/{ws}/api-keys"), Some(&owner))
            .json(&json!({"name": "CI", "role": "admin"})).send().await.unwrap().json().await.unwrap();
        app.client.post(format!("{}/api/v1/workspaces/{ws}/diagnostics", app.address)).bearer_auth(&key.secret).send().await.unwrap();

        let page: AuditPage = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/audit"), Some(&owner)).send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = page.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, [
            "job.started", "api_key.created", "workspace.renamed", "member.role_changed",
            "invitation.accepted", "invitation.created", "member.added", "workspace.created",
        ]);
        let renamed = &page.entries[2];
        assert_eq!(renamed.actor, owner.user.email);
        assert_eq!(renamed.before, Some(json!({"name": "acme workspace"})));
        assert_eq!(renamed.after, Some(json!({"name": "Acme Outdoor"})));
        let role = &page.entries[3];
        assert_eq!(role.target_id, viewer.user.id.to_string());
        assert_eq!(role.before.as_ref().unwrap()["role"], "viewer");
        assert_eq!(role.after.as_ref().unwrap()["role"], "approver");
        assert_eq!(page.entries[0].actor, "API key \"CI\"");
        assert_eq!(page.entries[4].actor, "viewer@example.com");

        // Paging: two at a time, in the same order.
        let mut seen = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let q = before.as_ref().map_or(String::new(), |b| format!("&before={b}"));
            let page: AuditPage = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/audit?limit=2{q}"), Some(&owner))
                .send().await.unwrap().json().await.unwrap();
            seen.extend(page.entries.iter().map(|e| e.action.clone()));
            match page.next_before {
                Some(next) => before = Some(next.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, actions);
        // The audit log is for admins.
        let res = app.request(Method::GET, &format!("/api/v1/workspaces/{ws}/audit"), Some(&viewer)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_emailed_when_smtp_is_configured() {
    let smtp = FakeSmtp::start().await;
    let url = smtp.url.clone();
    let app = spawn_app_with(Mode::Embedded, |s| {
        s.smtp_url = Some(secrecy::SecretString::from(url));
        s.mail_from = "Mixpilot <noreply@mixpilot.example>".into();
        s.public_url = Some("https://mixpilot.example".into());
    })
    .await;
    let (owner, ws) = app.owner("acme").await;
    let invitation = app.invite(&owner, ws, "viewer@example.com", "viewer").await;
    assert!(invitation.emailed);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.from, "noreply@mixpilot.example");
    assert_eq!(message.to, ["viewer@example.com"]);
    let link = format!(
        "https://mixpilot.example{}",
        invitation.link.as_deref().unwrap()
    );
    // Undo header folding and quoted-printable soft breaks.
    let text = message.data.replace("\n ", " ").replace("=\n", "");
    assert!(text.contains(&link), "{}", message.data);
    assert!(
        text.contains("invited you to acme workspace on Mixpilot"),
        "{}",
        message.data
    );
    assert!(text.contains("as viewer"), "{}", message.data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_stands_when_the_mail_server_is_down() {
    let app = spawn_app_with(Mode::Embedded, |s| {
        s.smtp_url = Some(secrecy::SecretString::from("smtp://127.0.0.1:1".to_owned()));
    })
    .await;
    let (owner, ws) = app.owner("acme").await;
    let invitation = app.invite(&owner, ws, "viewer@example.com", "viewer").await;
    assert!(!invitation.emailed);
    let joined = app
        .sign_up_invited("viewer@example.com", invitation.link.as_deref().unwrap())
        .await;
    assert_eq!(joined.workspace.unwrap().id, ws);
}

/// Two owners demote each other at the same moment, many times over: one of them always stays
/// an owner (on PostgreSQL the rule holds under READ COMMITTED only with a lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let app = spawn_app(Mode::Production).await;
    for round in 0..8 {
        let (a, ws) = app.owner(&format!("round{round}")).await;
        let b = app
            .add_member(&a, ws, &format!("b{round}@example.com"), "owner")
            .await;
        let demote = |who: &domain::dto::accounts::SessionView, user: domain::ids::UserId| {
            app.request(
                Method::PATCH,
                &format!("/api/v1/workspaces/{ws}/members/{user}"),
                Some(who),
            )
            .json(&json!({"role": "admin"}))
            .send()
        };
        let (x, y) = tokio::join!(demote(&a, b.user.id), demote(&b, a.user.id));
        let statuses = [x.unwrap().status(), y.unwrap().status()];
        let members: Vec<MemberView> = app
            .request(
                Method::GET,
                &format!("/api/v1/workspaces/{ws}/members"),
                Some(&a),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let owners = members.iter().filter(|m| m.role == Role::Owner).count();
        assert_eq!(owners, 1, "round {round}: {statuses:?}");
    }
}
