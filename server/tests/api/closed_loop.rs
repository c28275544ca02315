//! The closed loop on the sandbox, scored against its ground truth: for each of several
//! workspaces (each a sandbox world of its own seed), connect the sandbox, backfill a year, let
//! the jobs fit a model and make a plan, then score the plan's *true* response (the sandbox's
//! `engine::sim` truth) against the true optimum under the same budget and constraints, and the
//! index shown for today's (historical) mix against its true value.
//!
//! Slow (ten backfills and fits): run it on its own, with the table printed:
//! `cargo test --workspace --test api -- closed_loop --ignored --nocapture`.

use std::sync::Arc;
use std::time::Duration;

use connectors::sandbox::{MemoryLedger, SandboxGrant, SandboxPlatform};
use domain::dto::plans::{HealthView, PlanView};
use engine::health::{HealthBands, health_index};
use engine::optimize::{
    Budget, BudgetMode, ChangeLimit, Constraints, CurveParams, CurveParamsRequest, Item, Objective,
    OptimizeOptions, Problem, ResponseCurve, Saturation, optimize,
};
use engine::transform::Saturation as TrueSaturation;
use reqwest::{Method, StatusCode};

use crate::helpers::{Mode, spawn_app_with};

const SEEDS: usize = 10;

fn curve(t: &engine::convert::ChannelTransform) -> CurveParams {
    let saturation = match t.saturation {
        TrueSaturation::Hill { half, shape } => Saturation::Hill {
            half_saturation: half,
            shape,
        },
        TrueSaturation::Logistic { half } => Saturation::Logistic {
            lambda: 3f64.ln() / half,
        },
    };
    CurveParams::try_from(CurveParamsRequest {
        beta: t.beta,
        saturation,
        adstock_multiplier: t.adstock.steady_state_multiplier(),
        carry_in: 0.0,
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: ten sandbox worlds backfilled, fitted and planned; run with --ignored"]
async fn the_loop_on_the_sandbox_plans_close_to_the_true_optimum() {
    let app = spawn_app_with(Mode::Embedded, |s| s.sync_backfill_days = 365).await;
    let mut rows = Vec::new();
    for k in 0..SEEDS {
        let (owner, ws) = app.owner(&format!("loop{k}")).await;
        app.sandbox(&owner, ws).await;
        // The backfill queues the fit; the fit's activation queues the plan.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(900);
        let plan: PlanView = loop {
            let res = app
                .request(
                    Method::GET,
                    &format!("/api/v1/workspaces/{ws}/plans/latest"),
                    Some(&owner),
                )
                .send()
                .await
                .unwrap();
            if res.status() == StatusCode::OK {
                break res.json().await.unwrap();
            }
            let models: serde_json::Value = app
                .request(
                    Method::GET,
                    &format!("/api/v1/workspaces/{ws}/models"),
                    Some(&owner),
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if models
                .as_array()
                .is_some_and(|m| m.iter().any(|v| v["status"] == "rejected"))
            {
                panic!("seed {k}: the model was rejected: {models}");
            }
            assert!(tokio::time::Instant::now() < deadline, "seed {k}: no plan");
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let health: HealthView = app
            .request(
                Method::GET,
                &format!("/api/v1/workspaces/{ws}/health-index"),
                Some(&owner),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

        // The truth of this workspace's world, in the plan's channel order.
        let grant = SandboxGrant {
            seed: ws.as_uuid().as_u64_pair().0 % 1_000_000,
            anchor: chrono::Utc::now().date_naive(),
        };
        let truth = SandboxPlatform::new(Arc::new(MemoryLedger::default()))
            .truth(grant)
            .unwrap();
        let ids = SandboxPlatform::campaign_ids();
        let channel_of = |id: &str| match id {
            "sbx-search" => "search",
            "sbx-social" => "social",
            "sbx-video" => "video",
            "sbx-display" => "display",
            _ => "shopping",
        };
        let items: Vec<Item> = plan
            .channels
            .iter()
            .map(|c| {
                let i = ids
                    .iter()
                    .position(|id| channel_of(id) == c.channel.as_str())
                    .unwrap();
                Item {
                    id: c.channel.as_str().to_owned(),
                    curve: ResponseCurve::certain(curve(&truth.channels[i].transform)),
                    current: Some(c.current_minor),
                    platform_min: Some(100),
                    secondary_curve: None,
                }
            })
            .collect();
        let value = |spend: &[i64]| -> f64 {
            items
                .iter()
                .zip(spend)
                .map(|(it, s)| it.curve.value(*s as f64 / 100.0))
                .sum()
        };
        let planned: Vec<i64> = plan.channels.iter().map(|c| c.planned_minor).collect();
        let current: Vec<i64> = plan.channels.iter().map(|c| c.current_minor).collect();
        let problem = Problem {
            items: items.clone(),
            objective: Objective::Outcome,
            constraints: Constraints {
                change_limit: Some(ChangeLimit::default()),
                ..Constraints::with_budget(Budget {
                    amount: plan.planned_spend_minor,
                    mode: BudgetMode::Exactly,
                })
            },
        };
        let best = optimize(&problem, &OptimizeOptions::default()).unwrap();
        let true_health = health_index(
            &problem,
            &OptimizeOptions::default(),
            HealthBands::default(),
            5,
        )
        .unwrap();
        let ratio = value(&planned) / best.objective_value;
        let gain = value(&planned) / value(&current) - 1.0;
        rows.push((grant.seed, ratio, gain, health.score, true_health.score));
        eprintln!(
            "seed {:>6}: plan/true optimum {:.4}, gain over the historical mix {:+.2}%, index shown {:.1} vs true {:.1}",
            grant.seed,
            ratio,
            gain * 100.0,
            health.score,
            true_health.score
        );
        assert!(
            ratio <= 1.0 + 1e-6,
            "the true optimum bounds every plan: {ratio}"
        );
    }
    let mut ratios: Vec<f64> = rows.iter().map(|r| r.1).collect();
    ratios.sort_by(f64::total_cmp);
    let median = (ratios[SEEDS / 2 - 1] + ratios[SEEDS / 2]) / 2.0;
    let worst = ratios[0];
    let mut gains: Vec<f64> = rows.iter().map(|r| r.2).collect();
    gains.sort_by(f64::total_cmp);
    let gain_median = (gains[SEEDS / 2 - 1] + gains[SEEDS / 2]) / 2.0;
    let index_error = rows.iter().map(|r| (r.3 - r.4).abs()).fold(0.0, f64::max);
    eprintln!(
        "over {SEEDS} seeds: median ratio {median:.4}, worst {worst:.4}, median gain over the historical mix {:+.2}%, largest index error {index_error:.2} points",
        gain_median * 100.0
    );
    assert!(median >= 0.98, "median ratio {median}");
}
