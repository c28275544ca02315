//! The engine inside the product through the API: goals (versioned, audited, checked for
//! feasibility), the model registry (a rejected model never replaces the active one; too little
//! history is a status, not a failure), plans with their inputs and campaign budgets, the Budget
//! Health Index, scenarios, the agency portfolio, and another tenant kept out of all of it.
//!
//! The history is a CSV import with known response curves, so a fit is quick and certain.

use std::time::Duration;

use domain::dto::goals::GoalView;
use domain::dto::jobs::{JobAccepted, JobKind, JobStatus, JobView};
use domain::dto::models::{ModelComparison, ModelDetailView, ModelStatus, ModelVersionView};
use domain::dto::plans::{
    ConstraintScenarioView, ConstraintView, FrontierView, HealthView, ObjectiveScenarioView,
    PlanView, PortfolioRow,
};
use domain::dto::workspaces::WorkspaceKind;
use domain::ids::TenantId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_modes;
use crate::helpers::{Session, TestApp, spawn_app};

/// A deterministic stream of numbers in [0, 1).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `days` of history ending yesterday: three channels (one campaign each) with known
/// saturating responses on top of a weekly baseline, and 1% noise.
fn history_csv(days: i64, seed: u64) -> String {
    let mut s = Stream(seed.max(1));
    let mut out = String::from(
        "date,channel,campaign,currency,spend,impressions,clicks,conversions,revenue\n",
    );
    let today = chrono::Utc::now().date_naive();
    // (channel, campaign, spend range, β, half-saturation scale)
    let channels = [
        ("search", "Search · Brand", 300.0, 900.0, 4000.0, 600.0),
        (
            "social",
            "Social · Prospecting",
            100.0,
            700.0,
            2500.0,
            500.0,
        ),
        (
            "display",
            "Display · Retargeting",
            50.0,
            400.0,
            800.0,
            300.0,
        ),
    ];
    for t in 0..days {
        let date = today - chrono::Duration::days(days - t);
        let weekday = (t % 7) as f64;
        let baseline = 5000.0 + 300.0 * (std::f64::consts::TAU * weekday / 7.0).sin();
        for (channel, campaign, lo, hi, beta, k) in channels {
            let spend: f64 = lo + (hi - lo) * s.next();
            let contribution = beta * (1.0 - (-spend / k).exp());
            let noise = 1.0 + 0.02 * (s.next() - 0.5);
            let revenue = (baseline / 3.0 + contribution) * noise;
            out.push_str(&format!(
                "{date},{channel},{campaign},USD,{spend:.2},{},{},{:.1},{revenue:.2}\n",
                (spend * 40.0) as i64,
                (spend * 1.5) as i64,
                revenue / 50.0
            ));
        }
    }
    out
}

async fn import_history(app: &TestApp, session: &Session, ws: TenantId, days: i64) {
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/imports/metrics"),
            Some(session),
        )
        .header("content-type", "text/csv")
        .body(history_csv(days, 7))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
}

async fn call(
    app: &TestApp,
    session: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.request(method, &format!("/api/v1/workspaces/{path}"), Some(session));
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

async fn ok<T: serde::de::DeserializeOwned>(res: reqwest::Response) -> T {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn run_job(
    app: &TestApp,
    session: &Session,
    ws: TenantId,
    res: reqwest::Response,
) -> JobView {
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let accepted: JobAccepted = res.json().await.unwrap();
    app.wait_for_job(
        session,
        ws,
        &accepted.job_id.to_string(),
        Duration::from_secs(240),
    )
    .await
}

/// Fits and waits; returns the fit job.
async fn fit(app: &TestApp, session: &Session, ws: TenantId) -> JobView {
    let res = call(
        app,
        session,
        Method::POST,
        &format!("{ws}/models/fit"),
        None,
    )
    .await;
    let job = run_job(app, session, ws, res).await;
    assert_eq!(job.kind, JobKind::FitModel);
    assert_eq!(job.status, JobStatus::Succeeded, "{:?}", job.error);
    job
}

/// Waits until no plan job of the workspace is queued or running, then returns the newest plan.
async fn settled_plan(app: &TestApp, session: &Session, ws: TenantId) -> PlanView {
    let scope = domain::scope::TenantScope::trusted_for_job(ws, "test");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        let res = call(
            app,
            session,
            Method::GET,
            &format!("{ws}/plans/latest"),
            None,
        )
        .await;
        if res.status() == StatusCode::OK {
            let plan: PlanView = res.json().await.unwrap();
            let job = domain::services::jobs::get(&app.services.db, &scope, plan.job_id.unwrap())
                .await
                .unwrap();
            // The plan is stored just before its job is marked finished.
            if job.status.is_finished() {
                assert_eq!(job.status, JobStatus::Succeeded);
                return plan;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "no plan arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn goal(budget_minor: i64, constraints: Value) -> Value {
    json!({
        "objective": {"type": "revenue"},
        "budget": {"amount_minor": budget_minor, "currency": "USD", "period": "day", "limit": "exactly"},
        "constraints": constraints,
    })
}

both_modes! {
    async fn a_goal_is_versioned_and_audited_and_an_infeasible_one_is_refused_in_words(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        import_history(&app, &owner, ws, 60).await;
        let res = call(&app, &owner, Method::GET, &format!("{ws}/goal"), None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        let first: GoalView = ok(call(&app, &owner, Method::PUT, &format!("{ws}/goal"), Some(goal(120_000, json!({})))).await).await;
        assert_eq!(first.version, 1);
        assert!((first.constraints.max_change_per_day - 0.15).abs() < 1e-12, "default ±15%");
        assert!((first.constraints.exploration_share - 0.12).abs() < 1e-12, "default 12%");
        let grouped = goal(120_000, json!({"groups": [{"name": "social", "channels": ["social"], "max": {"type": "share", "share": 0.4}}]}));
        let second: GoalView = ok(call(&app, &owner, Method::PUT, &format!("{ws}/goal"), Some(grouped)).await).await;
        assert_eq!(second.version, 2);

        // The search minimum is above the whole budget: refused, in words, nothing saved.
        let infeasible = json!({
            "objective": {"type": "revenue"},
            "budget": {"amount_minor": 120_000, "currency": "USD", "limit": "at_most"},
            "constraints": {"channels": [{"channel": "search", "min": {"type": "money", "amount_minor": 500_000}}], "max_change_per_day": 10.0},
        });
        let res = call(&app, &owner, Method::PUT, &format!("{ws}/goal"), Some(infeasible)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = res.json().await.unwrap();
        let conflicting: Vec<&str> = body["details"]["conflicting"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(conflicting.iter().any(|c| c.contains("minimum for search")), "{body}");
        assert!(conflicting.iter().any(|c| c.contains("total budget")), "{body}");
        let now: GoalView = ok(call(&app, &owner, Method::GET, &format!("{ws}/goal"), None).await).await;
        assert_eq!(now.version, 2);

        // Bad fields are named.
        for (body, field) in [
            (json!({"objective": {"type": "profit", "margin": 1.5}, "budget": {"amount_minor": 100, "currency": "USD"}}), "objective.margin"),
            (json!({"objective": {"type": "revenue"}, "budget": {"amount_minor": 100, "currency": "XXY"}}), "budget.currency"),
            (json!({"objective": {"type": "revenue"}, "budget": {"amount_minor": 100, "currency": "EUR"}}), "budget.currency"),
            (goal(120_000, json!({"groups": [{"name": "g", "channels": ["social"], "max": {"type": "share", "share": 1.5}}]})), "constraints.groups[0].max.share"),
            (goal(120_000, json!({"channels": [{"channel": "video", "locked": true}]})), "constraints.channels[0].channel"),
        ] {
            let res = call(&app, &owner, Method::PUT, &format!("{ws}/goal"), Some(body)).await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body: Value = res.json().await.unwrap();
            assert!(body["message"].as_str().unwrap().starts_with(field), "{field}: {body}");
        }
        let versions: Vec<GoalView> = ok(call(&app, &owner, Method::GET, &format!("{ws}/goal/versions"), None).await).await;
        assert_eq!(versions.iter().map(|g| g.version).collect::<Vec<_>>(), [2, 1]);
        let audit: Value = ok(call(&app, &owner, Method::GET, &format!("{ws}/audit"), None).await).await;
        let saved: Vec<&Value> = audit["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "goal.saved").collect();
        assert_eq!(saved.len(), 2);
        assert!(saved[0]["before"].is_object() && saved[0]["after"]["constraints"]["groups"].is_array());
    }

    async fn too_little_history_is_a_status_saying_how_much_more_is_needed(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        import_history(&app, &owner, ws, 30).await;
        let job = fit(&app, &owner, ws).await;
        assert_eq!(job.result.as_ref().unwrap()["status"], "insufficient_data");
        let models: Vec<ModelVersionView> = ok(call(&app, &owner, Method::GET, &format!("{ws}/models"), None).await).await;
        assert_eq!(models.len(), 1);
        assert_eq!(models[0].status, ModelStatus::InsufficientData);
        assert_eq!(models[0].days, 30);
        assert_eq!(models[0].needed_days, Some(90));
        assert!(models[0].reason.as_deref().unwrap().contains("90 more days"), "{:?}", models[0].reason);
        let res = call(&app, &owner, Method::GET, &format!("{ws}/models/active"), None).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = call(&app, &owner, Method::POST, &format!("{ws}/plans"), None).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
    }

    async fn a_fit_becomes_active_plans_follow_and_a_rejected_refit_never_replaces_it(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        import_history(&app, &owner, ws, 200).await;
        fit(&app, &owner, ws).await;
        let active: ModelDetailView = ok(call(&app, &owner, Method::GET, &format!("{ws}/models/active"), None).await).await;
        let m = &active.model;
        assert_eq!((m.version, m.status, m.gate_passed), (1, ModelStatus::Active, true), "{:?}", m.reason);
        assert_eq!(m.days, 200);
        assert_eq!(m.currency, "USD");
        assert_eq!(m.channels.len(), 3);
        let test_mape = m.accuracy.unwrap().test.mape.unwrap();
        assert!(test_mape < 0.15, "{test_mape}");
        for c in &m.channels {
            assert!(c.roas.lower <= c.roas.value && c.roas.value <= c.roas.upper, "{c:?}");
            assert!(c.marginal_roas.value >= 0.0, "{c:?}");
        }
        assert_eq!(active.curves.len(), 3);
        assert!(active.curves.iter().all(|c| c.spend_minor.len() == c.outcome.len() && c.current_spend_minor > 0));
        assert_eq!(active.decomposition.as_ref().unwrap().dates.len(), 200);

        // A new active model makes a plan, with its inputs.
        let plan = settled_plan(&app, &owner, ws).await;
        assert_eq!(plan.model_version, 1);
        assert_eq!(plan.goal_version, None);
        assert_eq!(plan.channels.len(), 3);
        assert_eq!(plan.planned_spend_minor, plan.current_spend_minor, "no goal: today's total, spent exactly");
        for ch in &plan.channels {
            let campaigns: i64 = plan.campaigns.iter().filter(|k| k.channel == ch.channel).map(|k| k.planned_minor).sum();
            assert_eq!(campaigns, ch.planned_minor, "{ch:?}");
            // ±15% a day, at most (to the cent).
            assert!((ch.planned_minor - ch.current_minor).abs() <= ch.current_minor * 15 / 100 + 1, "{ch:?}");
        }
        assert!(plan.expected_gain >= -1e-6, "{}", plan.expected_gain);
        let health: HealthView = ok(call(&app, &owner, Method::GET, &format!("{ws}/health-index"), None).await).await;
        assert_eq!(health.plan_id, Some(plan.id));
        assert!((0.0..=100.0).contains(&health.score));
        let expected_band = if health.score >= 95.0 { "green" } else if health.score >= 85.0 { "yellow" } else { "red" };
        assert_eq!(serde_json::to_value(health.band).unwrap(), expected_band);
        assert!(health.actions.iter().all(|a| a.description.contains("USD a day")), "{:?}", health.actions);
        let history: Vec<HealthView> = ok(call(&app, &owner, Method::GET, &format!("{ws}/health-index/history?days=90"), None).await).await;
        assert_eq!(history.len(), 1);

        // A gate no model can pass: the refit is rejected with its reason, version 1 stays.
        let settings = json!({"green": 95.0, "yellow": 85.0, "retrain_days": 7, "max_test_mape": 0.000001});
        let _: Value = ok(call(&app, &owner, Method::PUT, &format!("{ws}/planning-settings"), Some(settings)).await).await;
        let job = fit(&app, &owner, ws).await;
        assert_eq!(job.result.as_ref().unwrap()["status"], "rejected");
        let models: Vec<ModelVersionView> = ok(call(&app, &owner, Method::GET, &format!("{ws}/models"), None).await).await;
        assert_eq!(models.iter().map(|m| (m.version, m.status)).collect::<Vec<_>>(), [(2, ModelStatus::Rejected), (1, ModelStatus::Active)]);
        assert!(models[0].reason.as_deref().unwrap().contains("MAPE"), "{:?}", models[0].reason);
        let still: ModelDetailView = ok(call(&app, &owner, Method::GET, &format!("{ws}/models/active"), None).await).await;
        assert_eq!(still.model.version, 1);
        let compared: ModelComparison = ok(call(&app, &owner, Method::GET, &format!("{ws}/models/compare?from=1&to=2"), None).await).await;
        assert_eq!(compared.channels.len(), 3);
        assert!(compared.added.is_empty() && compared.removed.is_empty());
    }

    async fn a_goal_change_makes_a_plan_that_keeps_it_and_scenarios_answer_at_once(mode: Mode) {
        let app = spawn_app(mode).await;
        let (owner, ws) = app.owner("acme").await;
        import_history(&app, &owner, ws, 200).await;
        fit(&app, &owner, ws).await;
        let first = settled_plan(&app, &owner, ws).await;
        let total = first.current_spend_minor;
        // Social at most 20% of spend, the budget 10% higher, changes up to 50% a day.
        let g = goal(total * 11 / 10, json!({
            "groups": [{"name": "social cap", "channels": ["social"], "max": {"type": "share", "share": 0.2}}],
            "max_change_per_day": 0.5,
        }));
        let saved: GoalView = ok(call(&app, &owner, Method::PUT, &format!("{ws}/goal"), Some(g)).await).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
        let plan = loop {
            let plan = settled_plan(&app, &owner, ws).await;
            if plan.goal_version == Some(saved.version) {
                break plan;
            }
            assert!(tokio::time::Instant::now() < deadline, "no plan for the new goal");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(plan.goal_id, Some(saved.id));
        let budget = ((total * 11 / 10) as f64).round() as i64;
        assert!((plan.planned_spend_minor - budget).abs() <= 3, "{} vs {budget}", plan.planned_spend_minor);
        let social = plan.channels.iter().find(|c| c.channel.as_str() == "social").unwrap();
        assert!(social.planned_minor as f64 <= 0.2 * plan.planned_spend_minor as f64 + 2.0, "{plan:?}");

        // The frontier: −50% … +100% in 13 steps, more budget never earns less.
        let frontier: FrontierView = ok(call(&app, &owner, Method::POST, &format!("{ws}/scenarios/budget"), Some(json!({}))).await).await;
        assert_eq!(frontier.points.len(), 13);
        assert_eq!(frontier.base_budget_minor, budget);
        let outcomes: Vec<f64> = frontier.points.iter().filter_map(|p| p.expected_outcome).collect();
        assert!(outcomes.windows(2).all(|w| w[1] >= w[0] - 1e-6), "{outcomes:?}");
        let constraints: Vec<ConstraintView> = ok(call(&app, &owner, Method::GET, &format!("{ws}/scenarios/constraints"), None).await).await;
        let cap = constraints.iter().find(|c| c.description.contains("social cap")).expect("the group is named");
        let what: ConstraintScenarioView = ok(call(&app, &owner, Method::POST, &format!("{ws}/scenarios/constraint"), Some(json!({"key": cap.key}))).await).await;
        assert!(what.difference.unwrap() >= -1e-6, "dropping a constraint never loses: {what:?}");
        let objectives: Vec<ObjectiveScenarioView> = ok(call(&app, &owner, Method::POST, &format!("{ws}/scenarios/objectives"),
            Some(json!({"objectives": [{"type": "revenue"}, {"type": "profit", "margin": 0.3}]}))).await).await;
        assert_eq!(objectives.len(), 2);
        assert!(objectives[1].planned_spend_minor <= objectives[0].planned_spend_minor + 1);
        let res = call(&app, &owner, Method::POST, &format!("{ws}/scenarios/objectives"), Some(json!({"objectives": [{"type": "conversions"}]}))).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "the model measures revenue");
    }

    async fn another_tenant_gets_404_for_goals_models_plans_scenarios_health_and_portfolio(mode: Mode) {
        let app = spawn_app(mode).await;
        let agency = app.sign_up(&format!("agency-{}@example.com", uuid::Uuid::new_v4().simple()), "Agency", WorkspaceKind::Agency).await;
        let a = agency.workspace.as_ref().unwrap().id;
        let c1 = app.create_client(&agency, a, "Client One").await.id;
        let c2 = app.create_client(&agency, a, "Client Two").await.id;
        import_history(&app, &agency, c1, 200).await;
        let _: GoalView = ok(call(&app, &agency, Method::PUT, &format!("{c1}/goal"), Some(goal(125_000, json!({})))).await).await;
        fit(&app, &agency, c1).await;
        let plan = settled_plan(&app, &agency, c1).await;

        let rows: Vec<PortfolioRow> = ok(call(&app, &agency, Method::GET, &format!("{a}/portfolio"), None).await).await;
        assert_eq!(rows.len(), 2);
        let one = rows.iter().find(|r| r.workspace_id == c1).unwrap();
        assert_eq!(one.model_status, Some(ModelStatus::Active));
        assert!(one.score.is_some() && one.band.is_some() && one.expected_gain.is_some(), "{one:?}");
        let two = rows.iter().find(|r| r.workspace_id == c2).unwrap();
        assert!(two.score.is_none() && two.model_status.is_none(), "{two:?}");

        let (other, b) = app.owner("globex").await;
        for (method, path) in [
            (Method::GET, format!("{c1}/goal")),
            (Method::PUT, format!("{c1}/goal")),
            (Method::GET, format!("{c1}/models")),
            (Method::GET, format!("{c1}/models/1")),
            (Method::POST, format!("{c1}/models/fit")),
            (Method::GET, format!("{c1}/plans/{}", plan.id)),
            (Method::GET, format!("{c1}/health-index")),
            (Method::POST, format!("{c1}/scenarios/budget")),
            (Method::GET, format!("{a}/portfolio")),
            // Through its own workspace, B reaches none of A's rows.
            (Method::GET, format!("{b}/plans/{}", plan.id)),
            (Method::GET, format!("{b}/models/1")),
            (Method::GET, format!("{b}/health-index")),
            (Method::GET, format!("{b}/plans/latest")),
        ] {
            let res = call(&app, &other, method.clone(), &path, Some(goal(125_000, json!({})))).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
        let mine: Vec<PortfolioRow> = ok(call(&app, &other, Method::GET, &format!("{b}/portfolio"), None).await).await;
        assert!(mine.is_empty());
        let models: Vec<ModelVersionView> = ok(call(&app, &other, Method::GET, &format!("{b}/models"), None).await).await;
        assert!(models.is_empty());
    }
}
