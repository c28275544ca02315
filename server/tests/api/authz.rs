//! The authorization matrix: every workspace endpoint × every caller × own, client and foreign
//! workspaces, against PostgreSQL and Redis. Each cell states what must happen; the test runs
//! every cell and fails on any difference, listing them all.
//!
//! New workspace endpoints join [`ENDPOINTS`]: one line with the roles that may call it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;

use domain::authz::Role;
use domain::dto::accounts::SessionView;
use domain::dto::workspaces::{ApiKeyCreated, InvitationView, WorkspaceKind};
use domain::ids::TenantId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Mode, TestApp, spawn_app};

const ALL: &[Role] = &Role::ALL;
const ADMINS: &[Role] = &[Role::Owner, Role::Admin];
const PLANNERS: &[Role] = &[Role::Owner, Role::Admin, Role::Strategist];

/// What a path needs from the target workspace before the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Fixture {
    None,
    /// A member (`{member}`), invited as a viewer.
    Member,
    /// A pending invitation (`{invitation}`).
    Invitation,
    /// An API key (`{api_key}`).
    ApiKey,
    /// A job (`{job}`).
    Job,
    /// A sandbox connection (`{connection}`).
    Connection,
    /// A saved goal.
    Goal,
}

struct Endpoint {
    method: &'static str,
    path: &'static str,
    /// The roles that may call it. Everyone else in the workspace gets 403.
    roles: &'static [Role],
    /// Only a person may call it: an API key gets 403 whatever its role.
    people_only: bool,
    fixture: Fixture,
    /// Whether an allowed call uses up the fixture.
    consumes: bool,
    body: fn() -> Value,
    /// The statuses of an allowed call (a brand answers 409 to "create a client").
    ok: &'static [u16],
}

/// A one-row import.
const CSV: &str = "date,channel,campaign,currency,spend,conversions,revenue\n2026-11-01,search,Brand,USD,10.00,1,20.00\n";

fn no_body() -> Value {
    Value::Null
}

const fn ep(
    method: &'static str,
    path: &'static str,
    roles: &'static [Role],
    ok: &'static [u16],
) -> Endpoint {
    Endpoint {
        method,
        path,
        roles,
        people_only: false,
        fixture: Fixture::None,
        consumes: false,
        body: no_body,
        ok,
    }
}

/// Every endpoint under `/api/v1/workspaces/{ws}`.
const ENDPOINTS: &[Endpoint] = &[
    ep("GET", "", ALL, &[200]),
    Endpoint {
        body: || json!({"name": "Renamed"}),
        ..ep("PATCH", "", ADMINS, &[200])
    },
    ep("GET", "/clients", ALL, &[200]),
    Endpoint {
        body: || json!({"name": "New client"}),
        ..ep("POST", "/clients", ADMINS, &[201, 409])
    },
    ep("GET", "/members", ALL, &[200]),
    Endpoint {
        fixture: Fixture::Member,
        body: || json!({"role": "approver"}),
        ..ep("PATCH", "/members/{member}", ADMINS, &[200])
    },
    Endpoint {
        fixture: Fixture::Member,
        consumes: true,
        ..ep("DELETE", "/members/{member}", ADMINS, &[204])
    },
    ep("GET", "/invitations", ADMINS, &[200]),
    Endpoint {
        people_only: true,
        body: || json!({"email": format!("invitee-{}@example.com", Uuid::new_v4().simple()), "role": "viewer"}),
        ..ep("POST", "/invitations", ADMINS, &[201])
    },
    Endpoint {
        fixture: Fixture::Invitation,
        consumes: true,
        ..ep("DELETE", "/invitations/{invitation}", ADMINS, &[204])
    },
    ep("GET", "/api-keys", ADMINS, &[200]),
    Endpoint {
        people_only: true,
        body: || json!({"name": "ci", "role": "viewer"}),
        ..ep("POST", "/api-keys", ADMINS, &[201])
    },
    Endpoint {
        fixture: Fixture::ApiKey,
        consumes: true,
        ..ep("DELETE", "/api-keys/{api_key}", ADMINS, &[204])
    },
    ep("GET", "/audit", ADMINS, &[200]),
    ep("POST", "/diagnostics", PLANNERS, &[202]),
    Endpoint {
        body: || json!(CSV),
        ..ep("POST", "/imports/metrics", PLANNERS, &[200])
    },
    ep("GET", "/kpis?from=2026-11-01&to=2026-11-30", ALL, &[200]),
    ep("GET", "/connections", ALL, &[200]),
    ep("POST", "/connections/sandbox", ADMINS, &[201, 409]),
    Endpoint {
        fixture: Fixture::Connection,
        ..ep("POST", "/connections/{connection}/sync", PLANNERS, &[202])
    },
    Endpoint {
        fixture: Fixture::Connection,
        consumes: true,
        ..ep("DELETE", "/connections/{connection}", ADMINS, &[204])
    },
    Endpoint {
        people_only: true,
        // No platform is configured in this app: the allowed callers learn that.
        ..ep("POST", "/connections/google_ads/authorize", ADMINS, &[422])
    },
    ep(
        "GET",
        "/metrics/channels?from=2026-11-01&to=2026-11-30",
        ALL,
        &[200],
    ),
    Endpoint {
        fixture: Fixture::Job,
        ..ep("GET", "/jobs/{job}", ALL, &[200])
    },
    // The engine inside the product. Whether a workspace has a model, a plan or an index yet
    // depends on how far its sandbox backfill (a fixture above) got: reads answer 200 or 404 to
    // the callers allowed to read, and refusals stay refusals.
    Endpoint {
        fixture: Fixture::Goal,
        ..ep("GET", "/goal", ALL, &[200])
    },
    Endpoint {
        body: goal_body,
        ..ep("PUT", "/goal", PLANNERS, &[200])
    },
    ep("GET", "/goal/versions", ALL, &[200]),
    ep("GET", "/models", ALL, &[200]),
    ep("GET", "/models/active", ALL, &[200, 404]),
    ep("GET", "/models/1", ALL, &[200, 404]),
    ep("GET", "/models/compare?from=1&to=2", ALL, &[200, 404, 422]),
    ep("POST", "/models/fit", PLANNERS, &[202]),
    ep("GET", "/planning-settings", ALL, &[200]),
    Endpoint {
        body: || json!({"green": 90.0, "yellow": 80.0, "retrain_days": 7, "max_test_mape": 0.15}),
        ..ep("PUT", "/planning-settings", PLANNERS, &[200])
    },
    ep("POST", "/plans", PLANNERS, &[202, 409]),
    ep("GET", "/plans", ALL, &[200]),
    ep("GET", "/plans/latest", ALL, &[200, 404]),
    ep("GET", "/health-index", ALL, &[200, 404]),
    ep("GET", "/health-index/history", ALL, &[200]),
    Endpoint {
        body: || json!({}),
        ..ep("POST", "/scenarios/budget", PLANNERS, &[200, 404])
    },
    ep("GET", "/scenarios/constraints", PLANNERS, &[200, 404]),
    Endpoint {
        body: || json!({"key": {"kind": "budget"}, "factor": 1.1}),
        ..ep("POST", "/scenarios/constraint", PLANNERS, &[200, 404])
    },
    Endpoint {
        body: || json!({"objectives": [{"type": "revenue"}]}),
        ..ep("POST", "/scenarios/objectives", PLANNERS, &[200, 404])
    },
    ep("GET", "/portfolio", ALL, &[200]),
];

fn goal_body() -> Value {
    json!({
        "objective": {"type": "revenue"},
        "budget": {"amount_minor": 100_000_000, "currency": "USD", "period": "month", "limit": "at_most"},
        "constraints": {"max_change_per_day": 10.0},
    })
}

/// Who calls.
struct Actor {
    label: String,
    credential: Option<SessionView>,
    is_key: bool,
    /// The role it holds in each workspace it reaches.
    reach: HashMap<TenantId, Role>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allow,
    Forbidden,
    NotFound,
    Unauthenticated,
}

fn expect(endpoint: &Endpoint, actor: &Actor, target: TenantId) -> Expect {
    if actor.credential.is_none() {
        return Expect::Unauthenticated;
    }
    match actor.reach.get(&target) {
        None => Expect::NotFound,
        Some(role) if !endpoint.roles.contains(role) => Expect::Forbidden,
        Some(_) if endpoint.people_only && actor.is_key => Expect::Forbidden,
        Some(_) => Expect::Allow,
    }
}

fn bearer(token: String) -> SessionView {
    SessionView {
        user: domain::dto::accounts::UserView {
            id: domain::ids::UserId::from_uuid(Uuid::nil()),
            email: String::new(),
            name: String::new(),
            created_at: chrono::Utc::now(),
        },
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: 0,
        refresh_token: String::new(),
        csrf_token: String::new(),
        workspace: None,
    }
}

fn email(label: &str) -> String {
    format!("{label}-{}@example.com", Uuid::new_v4().simple())
}

async fn api_key(app: &TestApp, owner: &SessionView, ws: TenantId, role: &str) -> ApiKeyCreated {
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/api-keys"),
            Some(owner),
        )
        .json(&json!({"name": format!("{role} key"), "role": role}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// Creates what `fixture` needs in `ws`, as its owner; returns the placeholder's value.
async fn prepare(
    app: &TestApp,
    owner: &SessionView,
    ws: TenantId,
    fixture: Fixture,
) -> Option<(&'static str, String)> {
    match fixture {
        Fixture::None => None,
        Fixture::Member => {
            let member = app.add_member(owner, ws, &email("victim"), "viewer").await;
            Some(("{member}", member.user.id.to_string()))
        }
        Fixture::Invitation => {
            let invitation: InvitationView =
                app.invite(owner, ws, &email("pending"), "viewer").await;
            Some(("{invitation}", invitation.id.to_string()))
        }
        Fixture::ApiKey => Some((
            "{api_key}",
            api_key(app, owner, ws, "viewer").await.key.id.to_string(),
        )),
        Fixture::Job => Some((
            "{job}",
            app.accepted_diagnostic(owner, ws).await.job_id.to_string(),
        )),
        Fixture::Connection => Some(("{connection}", app.sandbox(owner, ws).await.id.to_string())),
        Fixture::Goal => {
            let res = app
                .request(
                    Method::PUT,
                    &format!("/api/v1/workspaces/{ws}/goal"),
                    Some(owner),
                )
                .json(&goal_body())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            Some(("{goal}", String::new()))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_allows_exactly_the_roles_it_should_in_exactly_the_workspaces_it_should() {
    let app = spawn_app(Mode::Production).await;

    // Agency A, with clients C and D; brand B of another tenant.
    let owner_a = app
        .sign_up(&email("owner-a"), "Agency A", WorkspaceKind::Agency)
        .await;
    let a = owner_a.workspace.as_ref().unwrap().id;
    let c = app.create_client(&owner_a, a, "Client C").await.id;
    let d = app.create_client(&owner_a, a, "Client D").await.id;
    let (owner_b, b) = app.owner("owner-b").await;
    let agency = |role: Role| HashMap::from([(a, role), (c, role), (d, role)]);

    let mut actors = vec![Actor {
        label: "A owner".into(),
        credential: Some(owner_a.clone()),
        is_key: false,
        reach: agency(Role::Owner),
    }];
    for role in [Role::Admin, Role::Strategist, Role::Approver, Role::Viewer] {
        let session = app
            .add_member(&owner_a, a, &email(role.as_str()), role.as_str())
            .await;
        actors.push(Actor {
            label: format!("A {role}"),
            credential: Some(session),
            is_key: false,
            reach: agency(role),
        });
    }
    let client_admin = app
        .add_member(&owner_a, c, &email("client-admin"), "admin")
        .await;
    actors.push(Actor {
        label: "C admin (client only)".into(),
        credential: Some(client_admin),
        is_key: false,
        reach: HashMap::from([(c, Role::Admin)]),
    });
    actors.push(Actor {
        label: "B owner (foreign)".into(),
        credential: Some(owner_b.clone()),
        is_key: false,
        reach: HashMap::from([(b, Role::Owner)]),
    });
    for role in [Role::Admin, Role::Viewer] {
        let key = api_key(&app, &owner_a, a, role.as_str()).await;
        actors.push(Actor {
            label: format!("A {role} API key"),
            credential: Some(bearer(key.secret)),
            is_key: true,
            reach: HashMap::from([(a, role)]),
        });
    }
    actors.push(Actor {
        label: "anonymous".into(),
        credential: None,
        is_key: false,
        reach: HashMap::new(),
    });

    let targets = [("A", a), ("C", c), ("D", d), ("B", b)];
    let owner_of = |ws: TenantId| if ws == b { &owner_b } else { &owner_a };
    let mut fixtures: HashMap<(usize, TenantId), (&'static str, String)> = HashMap::new();
    let mut failures = String::new();
    let mut leaks = 0;
    let mut cells = 0;
    for (e, endpoint) in ENDPOINTS.iter().enumerate() {
        for actor in &actors {
            for (target_name, target) in targets {
                let mut path = format!("/api/v1/workspaces/{target}{}", endpoint.path);
                if endpoint.fixture != Fixture::None {
                    if let Entry::Vacant(slot) = fixtures.entry((e, target)) {
                        let made = prepare(&app, owner_of(target), target, endpoint.fixture);
                        slot.insert(made.await.unwrap());
                    }
                    let (placeholder, value) = &fixtures[&(e, target)];
                    path = path.replace(placeholder, value);
                }
                let method = Method::from_bytes(endpoint.method.as_bytes()).unwrap();
                let mut req = app.request(method, &path, actor.credential.as_ref());
                let body = (endpoint.body)();
                match &body {
                    Value::Null => {}
                    Value::String(text) => {
                        req = req.header("content-type", "text/csv").body(text.clone())
                    }
                    other => req = req.json(other),
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                let expected = expect(endpoint, actor, target);
                let ok = match expected {
                    Expect::Allow => endpoint.ok.contains(&status),
                    Expect::Forbidden => status == 403,
                    Expect::NotFound => status == 404,
                    Expect::Unauthenticated => status == 401,
                };
                if expected != Expect::Allow && (200..300).contains(&status) {
                    leaks += 1;
                }
                if !ok {
                    let text = res.text().await.unwrap_or_default();
                    let _ = writeln!(
                        failures,
                        "{} {path} as {} on {target_name}: expected {expected:?}, got {status} {text}",
                        endpoint.method, actor.label
                    );
                }
                if expected == Expect::Allow && endpoint.consumes {
                    fixtures.remove(&(e, target));
                }
                cells += 1;
            }
        }
    }
    assert_eq!(cells, ENDPOINTS.len() * actors.len() * targets.len());
    assert_eq!(
        leaks, 0,
        "{leaks} cells let a caller through that must be refused:\n{failures}"
    );
    assert!(
        failures.is_empty(),
        "cells that differ from the matrix:\n{failures}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_rows_answer_404_even_through_ones_own_workspace() {
    let app = spawn_app(Mode::Production).await;
    let (owner_a, a) = app.owner("a").await;
    let (owner_b, b) = app.owner("b").await;
    // B's member, invitation, API key and job, asked for through A's workspace by A's owner.
    let member = app
        .add_member(&owner_b, b, &email("member"), "viewer")
        .await
        .user
        .id
        .to_string();
    let invitation = app
        .invite(&owner_b, b, &email("pending"), "viewer")
        .await
        .id
        .to_string();
    let key = api_key(&app, &owner_b, b, "viewer")
        .await
        .key
        .id
        .to_string();
    let job = app
        .accepted_diagnostic(&owner_b, b)
        .await
        .job_id
        .to_string();
    for (method, path) in [
        (Method::PATCH, format!("/members/{member}")),
        (Method::DELETE, format!("/members/{member}")),
        (Method::DELETE, format!("/invitations/{invitation}")),
        (Method::DELETE, format!("/api-keys/{key}")),
        (Method::GET, format!("/jobs/{job}")),
    ] {
        let res = app
            .request(
                method.clone(),
                &format!("/api/v1/workspaces/{a}{path}"),
                Some(&owner_a),
            )
            .json(&json!({"role": "admin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Lists never show B's rows, and B's rows are intact.
    for list in ["members", "invitations", "api-keys", "audit"] {
        let body: Value = app
            .request(
                Method::GET,
                &format!("/api/v1/workspaces/{a}/{list}"),
                Some(&owner_a),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let text = body.to_string();
        for id in [&member, &invitation, &key, &job] {
            assert!(
                !text.contains(id.as_str()),
                "{list} of A shows B's {id}: {text}"
            );
        }
    }
    let members: Value = app
        .request(
            Method::GET,
            &format!("/api/v1/workspaces/{b}/members"),
            Some(&owner_b),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(members.to_string().contains(&member));
}
