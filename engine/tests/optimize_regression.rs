//! Regression tests for failures users report in other tools, and for the explanations.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::time::{Duration, Instant};

use engine::EngineError;
use engine::health::{Band, HealthBands, health_index};
use engine::optimize::scenario::{FrontierResult, budget_range, budget_sweep};
use engine::optimize::{
    Budget, BudgetMode, ConstraintRef, Constraints, CurveParams, GroupBound, GroupRule, Item,
    ItemBound, ItemRule, Objective, OptimizeOptions, Problem, ResponseCurve, optimize,
};

fn item(id: &str, curve: CurveParams, current: i64) -> Item {
    Item {
        id: id.to_owned(),
        curve: ResponseCurve::certain(curve),
        current: Some(current),
        platform_min: None,
        secondary_curve: None,
    }
}

fn hill(beta: f64, k: f64, s: f64) -> CurveParams {
    CurveParams::hill(beta, k, s).unwrap()
}

fn problem(items: Vec<Item>, budget: i64) -> Problem {
    Problem {
        items,
        objective: Objective::Outcome,
        constraints: Constraints::with_budget(Budget {
            amount: budget,
            mode: BudgetMode::Exactly,
        }),
    }
}

fn opts() -> OptimizeOptions {
    OptimizeOptions::default()
}

#[test]
fn spend_in_the_billions_does_not_stall_the_solver() {
    // 200 items around $25M a day each, a $5B budget, curves scaled to match.
    let items: Vec<Item> = (0..200)
        .map(|i| {
            let k = 1.0e7 * (1.0 + (i % 7) as f64);
            item(
                &format!("c{i}"),
                hill(
                    5.0e7 * (1.0 + (i % 5) as f64),
                    k,
                    0.6 + 0.05 * (i % 8) as f64,
                ),
                2_500_000_000 + (i as i64) * 1_000_003,
            )
        })
        .collect();
    let total: i64 = items.iter().filter_map(|i| i.current).sum();
    let mut p = problem(items, total);
    p.constraints.change_limit = None;
    let start = Instant::now();
    let plan = optimize(&p, &opts()).unwrap();
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(plan.total_spend, total);
    assert!(plan.gap <= 1e-6, "gap {}", plan.gap);
    let cur = plan.current.as_ref().unwrap();
    assert!(plan.expected_outcome >= cur.expected_outcome);
}

#[test]
fn the_result_is_never_worse_than_the_start_even_when_the_start_is_optimal() {
    // Two identical items: the start (equal split) is already optimal.
    let c = hill(1000.0, 500.0, 0.8);
    let p = problem(vec![item("a", c, 40_000), item("b", c, 40_000)], 80_000);
    let plan = optimize(&p, &opts()).unwrap();
    let cur = plan.current.as_ref().unwrap();
    assert!(plan.expected_outcome >= cur.expected_outcome);
    assert_eq!(plan.spend_of("a"), Some(40_000));
}

#[test]
fn bounds_are_honoured_exactly_to_the_cent() {
    let mut p = problem(
        vec![
            item("strong", hill(10_000.0, 1_000.0, 0.9), 100_000),
            item("weak", hill(500.0, 1_000.0, 0.9), 100_000),
        ],
        200_000,
    );
    p.constraints.change_limit = None;
    p.constraints.items.push(ItemRule {
        item: "strong".into(),
        min: None,
        max: Some(ItemBound::Money(123_457)),
        locked: false,
        min_if_active: None,
    });
    let plan = optimize(&p, &opts()).unwrap();
    assert_eq!(plan.spend_of("strong"), Some(123_457));
    assert_eq!(plan.spend_of("weak"), Some(200_000 - 123_457));
    // The binding maximum is explained and priced.
    let b = plan
        .binding
        .iter()
        .find(|b| b.constraint == ConstraintRef::ItemMax(0))
        .expect("the maximum binds");
    assert!(b.value_per_unit > 0.0);
    assert!(b.description.contains("strong"));
}

#[test]
fn items_with_zero_spend_and_no_allowance_stay_at_zero() {
    // A great curve with no current spend: the ±15% change limit gives it nothing.
    let p = problem(
        vec![
            item("new", hill(1e6, 100.0, 0.9), 0),
            item("old", hill(1000.0, 1000.0, 0.9), 100_000),
        ],
        100_000,
    );
    let plan = optimize(&p, &opts()).unwrap();
    assert_eq!(plan.spend_of("new"), Some(0));
    assert_eq!(plan.spend_of("old"), Some(100_000));
}

#[test]
fn carry_in_adstock_at_the_window_start_is_counted() {
    let base = hill(1000.0, 500.0, 1.0);
    let carried = base.with_carry_in(500.0).unwrap();
    let mut p = problem(
        vec![item("a", carried, 50_000), item("b", base, 50_000)],
        100_000,
    );
    p.constraints.change_limit = None;
    let plan = optimize(&p, &opts()).unwrap();
    let a = &plan.items[0];
    let x = a.spend as f64 / 100.0;
    // The outcome includes what history carries in: β·sat(x + c), not β·sat(x).
    assert!((a.expected_outcome - carried.value(x)).abs() < 1e-9);
    assert!(a.expected_outcome > base.value(x));
    // Carry-in saturates "a", so the optimizer gives it less than "b".
    assert!(plan.spend_of("a") < plan.spend_of("b"));
    // At zero spend the carried-in outcome is still there.
    assert!(carried.value(0.0) > 0.0);
}

#[test]
fn an_infeasible_group_minimum_names_the_minimal_conflict() {
    let mut p = problem(
        vec![
            item("brand_search", hill(1000.0, 500.0, 0.8), 50_000),
            item("brand_social", hill(1000.0, 500.0, 0.8), 50_000),
            item("perf", hill(1000.0, 500.0, 0.8), 100_000),
        ],
        200_000,
    );
    p.constraints.groups.push(GroupRule {
        name: "brand".into(),
        items: vec!["brand_search".into(), "brand_social".into()],
        min: Some(GroupBound::Money(150_000)),
        max: None,
    });
    p.constraints.groups.push(GroupRule {
        name: "social".into(),
        items: vec!["brand_social".into()],
        min: None,
        max: Some(GroupBound::Share(0.4)),
    });
    match optimize(&p, &opts()) {
        Err(EngineError::Infeasible { conflicting }) => {
            // The brand minimum ($1,500) needs more than +15% on both brand items.
            assert_eq!(conflicting.len(), 2, "{conflicting:?}");
            assert!(
                conflicting
                    .iter()
                    .any(|c| c.contains("group brand minimum"))
            );
            assert!(conflicting.iter().any(|c| c.contains("change limit")));
        }
        other => panic!("expected infeasible, got {other:?}"),
    }
}

#[test]
fn conflicting_item_bounds_are_reported_in_words() {
    let mut p = problem(vec![item("a", hill(1.0, 1.0, 1.0), 10_000)], 10_000);
    p.constraints.items.push(ItemRule {
        item: "a".into(),
        min: Some(ItemBound::Money(20_000)),
        max: None,
        locked: false,
        min_if_active: None,
    });
    let err = optimize(&p, &opts()).unwrap_err();
    let EngineError::Infeasible { conflicting } = err else {
        panic!("expected infeasible, got {err:?}");
    };
    assert_eq!(conflicting.len(), 2, "{conflicting:?}");
    assert!(
        conflicting
            .iter()
            .any(|c| c.contains("minimum for a ($200.00)"))
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut p = problem(vec![item("a", hill(1.0, 1.0, 1.0), 100)], 100);
    p.constraints.groups.push(GroupRule {
        name: "g".into(),
        items: vec!["nope".into()],
        min: None,
        max: None,
    });
    assert!(matches!(
        optimize(&p, &opts()),
        Err(EngineError::InvalidInput { .. })
    ));
    let p = problem(vec![], 100);
    assert!(matches!(
        optimize(&p, &opts()),
        Err(EngineError::InvalidInput { .. })
    ));
}

#[test]
fn the_budget_shadow_price_predicts_the_next_thousand() {
    let items: Vec<Item> = (0..5)
        .map(|i| {
            item(
                &format!("c{i}"),
                hill(50_000.0 * (1 + i) as f64, 20_000.0, 0.7),
                1_000_000,
            )
        })
        .collect();
    let mut p = problem(items, 5_000_000);
    p.constraints.change_limit = None;
    let plan = optimize(&p, &opts()).unwrap();
    let mut q = p.clone();
    q.constraints.budget.amount += 100_000; // +$1,000
    let more = optimize(&q, &opts()).unwrap();
    let predicted = plan.budget_shadow_price * 1000.0;
    let actual = more.expected_outcome - plan.expected_outcome;
    assert!(predicted > 0.0);
    assert!(
        (predicted - actual).abs() <= 0.02 * actual,
        "{predicted} vs {actual}"
    );
    // At the optimum, unconstrained items share the same marginal return: the budget's price.
    for it in &plan.items {
        assert!(
            (it.marginal_return - plan.budget_shadow_price).abs()
                <= 1e-3 * plan.budget_shadow_price
        );
    }
}

#[test]
fn profit_spends_until_the_marginal_return_is_one_over_the_margin() {
    let mut p = problem(
        vec![item("a", hill(100_000.0, 5_000.0, 0.8), 100_000)],
        10_000_000,
    );
    p.constraints.change_limit = None;
    p.objective = Objective::Profit { margin: 0.5 };
    let plan = optimize(&p, &opts()).unwrap();
    assert!(plan.total_spend < 10_000_000);
    let m = plan.items[0].marginal_return;
    assert!((m - 2.0).abs() < 1e-3, "marginal return {m}");
}

#[test]
fn target_roas_is_met_with_the_largest_outcome() {
    let items: Vec<Item> = (0..4)
        .map(|i| {
            item(
                &format!("c{i}"),
                hill(20_000.0 * (1 + i) as f64, 3_000.0, 0.8),
                100_000,
            )
        })
        .collect();
    let mut p = problem(items, 10_000_000);
    p.constraints.change_limit = None;
    p.objective = Objective::TargetRoas { target: 4.0 };
    let plan = optimize(&p, &opts()).unwrap();
    let spend = plan.total_spend as f64 / 100.0;
    assert!(plan.expected_outcome >= 4.0 * spend * (1.0 - 1e-12));
    // The target binds: the plan spends as long as ROAS ≥ 4 allows.
    assert!(plan.expected_outcome <= 4.0 * spend * 1.001);
    assert!(plan.gap <= 1e-6, "gap {}", plan.gap);
}

#[test]
fn at_most_budgets_are_caps_and_share_groups_are_shares_of_actual_spend() {
    let items = vec![
        item("social", hill(50_000.0, 1_000.0, 0.9), 100_000),
        item("search", hill(10_000.0, 1_000.0, 0.9), 100_000),
    ];
    let mut p = problem(items, 1_000_000);
    p.constraints.change_limit = None;
    p.constraints.budget.mode = BudgetMode::AtMost;
    p.constraints.groups.push(GroupRule {
        name: "social".into(),
        items: vec!["social".into()],
        min: None,
        max: Some(GroupBound::Share(0.4)),
    });
    let plan = optimize(&p, &opts()).unwrap();
    let social = plan.spend_of("social").unwrap();
    assert!(plan.total_spend <= 1_000_000);
    assert!(social as f64 <= 0.4 * plan.total_spend as f64 + 1e-9);
}

/// Best plan for two items sharing a budget exactly, by trying every cent: an independent
/// exact answer for non-concave curves.
fn brute_force_two(a: &CurveParams, b: &CurveParams, budget: i64, lo: i64, hi: i64) -> f64 {
    (lo.max(budget - hi)..=hi.min(budget - lo))
        .map(|x| a.value(x as f64 / 100.0) + b.value((budget - x) as f64 / 100.0))
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn s_shaped_curves_are_solved_exactly_by_the_mip() {
    let s_curve = hill(10_000.0, 1_000.0, 3.0); // inflection near $693
    let concave = hill(3_000.0, 800.0, 0.8);
    for budget in [40_000i64, 90_000, 150_000, 300_000] {
        let mut p = problem(
            vec![item("tv", s_curve, 0), item("search", concave, 0)],
            budget,
        );
        p.constraints.change_limit = None;
        let plan = optimize(&p, &opts()).unwrap();
        assert_eq!(plan.total_spend, budget);
        let exact = brute_force_two(&s_curve, &concave, budget, 0, budget);
        let rel = (exact - plan.expected_outcome) / exact;
        assert!(
            rel <= 1e-6,
            "budget {budget}: {} vs exact {exact}",
            plan.expected_outcome
        );
        assert!(
            plan.upper_bound >= exact * (1.0 - 1e-9),
            "bound {} < {exact}",
            plan.upper_bound
        );
        assert!(plan.gap <= 1e-6, "gap {}", plan.gap);
    }
}

#[test]
fn two_s_shaped_curves_with_bounds_match_brute_force() {
    let a = hill(8_000.0, 900.0, 2.5);
    let b = hill(6_000.0, 600.0, 4.0);
    for budget in [50_000i64, 120_000, 200_000] {
        let mut p = problem(vec![item("a", a, 0), item("b", b, 0)], budget);
        p.constraints.change_limit = None;
        for id in ["a", "b"] {
            p.constraints.items.push(ItemRule {
                item: id.into(),
                min: Some(ItemBound::Money(10_000)),
                max: Some(ItemBound::Money(150_000)),
                locked: false,
                min_if_active: None,
            });
        }
        let plan = optimize(&p, &opts()).unwrap();
        assert_eq!(plan.total_spend, budget);
        let exact = brute_force_two(&a, &b, budget, 10_000, 150_000);
        let rel = (exact - plan.expected_outcome) / exact;
        assert!(
            rel <= 1e-6,
            "budget {budget}: {} vs exact {exact}",
            plan.expected_outcome
        );
    }
}

#[test]
fn the_health_index_scores_misallocation_and_proposes_concrete_moves() {
    let good = hill(100_000.0, 1_000.0, 0.8);
    let poor = hill(5_000.0, 1_000.0, 0.8);
    // Half the money on the poor channel: far from optimal.
    let mut p = problem(
        vec![item("good", good, 100_000), item("poor", poor, 100_000)],
        0,
    );
    p.constraints.change_limit = None;
    let r = health_index(&p, &opts(), HealthBands::default(), 3).unwrap();
    assert!(r.score < 85.0, "score {}", r.score);
    assert_eq!(r.band, Band::Red);
    let a = &r.actions[0];
    assert_eq!(a.from.as_deref(), Some("poor"));
    assert_eq!(a.to.as_deref(), Some("good"));
    assert!(a.expected_gain > 0.0);
    assert!(a.description.starts_with("move $"));
    // Following the plan scores 100.
    let mut q = p.clone();
    for (it, planned) in q.items.iter_mut().zip(&r.plan.items) {
        it.current = Some(planned.spend);
    }
    let r2 = health_index(&q, &opts(), HealthBands::default(), 3).unwrap();
    assert!(r2.score > 99.999, "score {}", r2.score);
    assert_eq!(r2.band, Band::Green);
}

#[test]
fn the_budget_frontier_rises_with_falling_marginal_returns() {
    let items: Vec<Item> = (0..6)
        .map(|i| {
            item(
                &format!("c{i}"),
                hill(30_000.0 * (1 + i) as f64, 5_000.0, 0.7),
                500_000,
            )
        })
        .collect();
    let mut p = problem(items, 3_000_000);
    p.constraints.change_limit = None;
    let budgets = budget_range(1_500_000, 6_000_000, 500_000).unwrap();
    let frontier = budget_sweep(&p, &budgets, &opts()).unwrap();
    assert_eq!(frontier.len(), 10);
    let mut last: Option<(f64, f64)> = None;
    for pt in &frontier {
        let FrontierResult::Planned {
            expected_outcome,
            marginal_return,
            spend,
            ..
        } = pt.result
        else {
            panic!("infeasible at {}", pt.budget);
        };
        assert_eq!(spend, pt.budget);
        if let Some((o, m)) = last {
            assert!(expected_outcome > o);
            assert!(marginal_return < m);
        }
        last = Some((expected_outcome, marginal_return));
    }
}

#[test]
fn samples_give_outcome_intervals() {
    let mut it = item("a", hill(1000.0, 500.0, 0.8), 50_000);
    it.curve.samples = (0..50)
        .map(|k| hill(800.0 + 8.0 * k as f64, 500.0, 0.8))
        .collect();
    let p = problem(
        vec![it, item("b", hill(1000.0, 500.0, 0.8), 50_000)],
        100_000,
    );
    let plan = optimize(&p, &opts()).unwrap();
    let iv = plan.items[0].outcome_interval.unwrap();
    assert!(iv.lower < plan.items[0].expected_outcome * 1.05 && iv.lower < iv.upper);
    let total = plan.outcome_interval.unwrap();
    assert!(total.lower < total.upper);
}

#[test]
fn at_most_k_active_items_matches_the_best_subset() {
    let curves = [
        hill(5_000.0, 800.0, 0.7),
        hill(4_000.0, 500.0, 0.9),
        hill(6_000.0, 1_500.0, 0.6),
        hill(3_000.0, 300.0, 1.0),
    ];
    let items: Vec<Item> = curves
        .iter()
        .enumerate()
        .map(|(i, c)| item(&format!("c{i}"), *c, 50_000))
        .collect();
    let mut p = problem(items, 200_000);
    p.constraints.change_limit = None;
    p.constraints.max_active = Some(2);
    let plan = optimize(&p, &opts()).unwrap();
    assert_eq!(plan.total_spend, 200_000);
    let active = plan.items.iter().filter(|i| i.spend > 0).count();
    assert!(active <= 2, "{active} active");
    // Independent answer: the best pair, each pair solved by the (exact) concave optimizer.
    let mut best = f64::NEG_INFINITY;
    for a in 0..4 {
        for b in (a + 1)..4 {
            let mut q = problem(
                vec![item("a", curves[a], 0), item("b", curves[b], 0)],
                200_000,
            );
            q.constraints.change_limit = None;
            best = best.max(optimize(&q, &opts()).unwrap().expected_outcome);
        }
    }
    let rel = (best - plan.expected_outcome) / best;
    assert!(rel <= 1e-6, "{} vs best pair {best}", plan.expected_outcome);
    assert!(plan.gap <= 1e-6, "gap {}", plan.gap);
}

#[test]
fn minimum_if_active_means_nothing_or_at_least_the_minimum() {
    // "small" would get a little money on its own; its $800 minimum-if-active makes that all
    // or nothing.
    let big = hill(20_000.0, 2_000.0, 0.8);
    let small = hill(1_000.0, 300.0, 0.8);
    for budget in [100_000i64, 300_000] {
        let mut p = problem(vec![item("big", big, 0), item("small", small, 0)], budget);
        p.constraints.change_limit = None;
        p.constraints.items.push(ItemRule {
            item: "small".into(),
            min: None,
            max: None,
            locked: false,
            min_if_active: Some(80_000),
        });
        let plan = optimize(&p, &opts()).unwrap();
        let s = plan.spend_of("small").unwrap();
        assert!(s == 0 || s >= 80_000, "small spends {s}");
        assert_eq!(plan.total_spend, budget);
        // Brute force over the two regimes, every cent.
        let exact = brute_force_two(&small, &big, budget, 0, budget);
        let off = big.value(budget as f64 / 100.0) + small.value(0.0);
        let on = (80_000..=budget)
            .map(|x| small.value(x as f64 / 100.0) + big.value((budget - x) as f64 / 100.0))
            .fold(f64::NEG_INFINITY, f64::max);
        let best = off.max(on);
        assert!(best <= exact + 1e-9);
        assert!(
            (best - plan.expected_outcome) / best <= 1e-6,
            "{} vs {best}",
            plan.expected_outcome
        );
    }
}

#[test]
fn the_risk_aware_objective_maximizes_the_worst_tail_exactly() {
    let k = 500.0;
    let safe = hill(1_000.0, k, 0.8);
    let risky_point = hill(1_200.0, k, 0.8);
    let risky_samples: Vec<CurveParams> = (0..9)
        .map(|j| hill(400.0 + 200.0 * j as f64, k, 0.8))
        .collect();
    let budget = 100_000i64;
    let make = |objective| {
        let mut risky = item("risky", risky_point, 0);
        risky.curve.samples = risky_samples.clone();
        let mut p = problem(vec![item("safe", safe, 0), risky], budget);
        p.constraints.change_limit = None;
        p.objective = objective;
        p
    };
    let point = optimize(&make(Objective::Outcome), &opts()).unwrap();
    let alpha = 0.2;
    let plan = optimize(&make(Objective::RiskAware { alpha }), &opts()).unwrap();
    assert_eq!(plan.total_spend, budget);
    // Caution moves money from the uncertain item to the certain one.
    assert!(plan.spend_of("risky") < point.spend_of("risky"));
    // Independent answer: every cent split, the CVaR of the nine sample totals.
    let tail = |x: i64| {
        let mut totals: Vec<f64> = risky_samples
            .iter()
            .map(|r| safe.value((budget - x) as f64 / 100.0) + r.value(x as f64 / 100.0))
            .collect();
        totals.sort_by(f64::total_cmp);
        // α·S = 1.8 samples: the worst one fully, the next at 0.8.
        (totals[0] + 0.8 * totals[1]) / 1.8
    };
    let best = (0..=budget).map(tail).fold(f64::NEG_INFINITY, f64::max);
    let got = tail(plan.spend_of("risky").unwrap());
    assert!((best - got) / best <= 1e-6, "{got} vs best {best}");
    assert!((plan.objective_value - got).abs() <= 1e-9 * best);
    assert!(
        plan.upper_bound >= best * (1.0 - 1e-9),
        "bound {} < {best}",
        plan.upper_bound
    );
    assert!(plan.gap <= 1e-6, "gap {}", plan.gap);
}

#[test]
fn edge_cases_answer_without_panicking() {
    let c = hill(1_000.0, 500.0, 0.8);
    // Zero budget: everything at zero.
    let mut p = problem(vec![item("a", c, 0), item("b", c, 0)], 0);
    p.constraints.change_limit = None;
    let plan = optimize(&p, &opts()).unwrap();
    assert_eq!(plan.total_spend, 0);
    // Everything locked and the budget equal to today's total.
    let mut p = problem(vec![item("a", c, 12_345), item("b", c, 54_321)], 66_666);
    for id in ["a", "b"] {
        p.constraints.items.push(ItemRule {
            item: id.into(),
            min: None,
            max: None,
            locked: true,
            min_if_active: None,
        });
    }
    let plan = optimize(&p, &opts()).unwrap();
    assert_eq!(plan.spend_of("a"), Some(12_345));
    // Spend in whole $100 steps.
    let mut p = problem(
        vec![item("a", c, 0), item("b", hill(2_000.0, 500.0, 0.8), 0)],
        150_000,
    );
    p.constraints.change_limit = None;
    p.constraints.granularity = 10_000;
    let plan = optimize(&p, &opts()).unwrap();
    assert!(plan.items.iter().all(|i| i.spend % 10_000 == 0));
    assert_eq!(plan.total_spend, 150_000);
    // A budget that is not a multiple of the granularity cannot be spent exactly.
    p.constraints.budget.amount = 150_050;
    assert!(matches!(
        optimize(&p, &opts()),
        Err(EngineError::InvalidInput { .. })
    ));
    // Curves with zero β: nothing to gain, still a valid plan.
    let flat = hill(0.0, 500.0, 0.8);
    let mut p = problem(vec![item("a", flat, 100), item("b", flat, 100)], 200);
    p.constraints.change_limit = None;
    let plan = optimize(&p, &opts()).unwrap();
    assert_eq!(plan.total_spend, 200);
    // Duplicate ids and negative amounts are input errors.
    let p = problem(vec![item("a", c, 0), item("a", c, 0)], 100);
    assert!(matches!(
        optimize(&p, &opts()),
        Err(EngineError::InvalidInput { .. })
    ));
    let p = problem(vec![item("a", c, -5)], 100);
    assert!(matches!(
        optimize(&p, &opts()),
        Err(EngineError::InvalidInput { .. })
    ));
}

#[test]
fn overlapping_groups_on_thousands_of_items_stay_exact_to_the_cent() {
    // 2,000 items, overlapping groups (every item in two of them), ±15% limits: the restricted
    // LP path with pricing, then the cent rounding across overlapping rows.
    let n = 2_000usize;
    let items: Vec<Item> = (0..n)
        .map(|i| {
            let cur = 10_000 + (i as i64 * 7_919) % 90_000;
            let scale = cur as f64 / 100.0;
            item(
                &format!("c{i}"),
                hill(3.0 * scale, scale * (0.5 + (i % 7) as f64 * 0.2), 0.7),
                cur,
            )
        })
        .collect();
    let total: i64 = items.iter().filter_map(|i| i.current).sum();
    let mut p = problem(items, total + total / 50);
    let mut sums = [0i64; 8];
    for i in 0..n {
        let cur = p.items[i].current.unwrap();
        sums[i % 5] += cur;
        sums[5 + i % 3] += cur;
    }
    for (g, &sum) in sums.iter().enumerate() {
        let members: Vec<String> = (0..n)
            .filter(|&i| if g < 5 { i % 5 == g } else { i % 3 == g - 5 })
            .map(|i| format!("c{i}"))
            .collect();
        p.constraints.groups.push(GroupRule {
            name: format!("g{g}"),
            items: members,
            min: Some(GroupBound::Money(sum)),
            max: Some(GroupBound::Money(sum + sum / 25)),
        });
    }
    let plan = optimize(&p, &opts()).unwrap();
    assert_eq!(plan.total_spend, p.constraints.budget.amount);
    assert!(plan.gap <= 1e-6, "gap {}", plan.gap);
    for (g, rule) in p.constraints.groups.iter().enumerate() {
        let s: i64 = rule.items.iter().map(|id| plan.spend_of(id).unwrap()).sum();
        assert!(
            s >= sums[g] && s <= sums[g] + sums[g] / 25,
            "group {g}: {s}"
        );
    }
    for (it, planned) in p.items.iter().zip(&plan.items) {
        let cur = it.current.unwrap();
        assert!(planned.spend * 100 >= cur * 85 && planned.spend * 100 <= cur * 115);
    }
}

#[test]
fn the_weighted_objective_values_two_outcomes_together() {
    // Revenue curves favour "a"; conversion curves favour "b". The weights decide.
    let budget = 200_000i64;
    let make = |w_rev: f64, w_conv: f64| {
        let mut a = item("a", hill(10_000.0, 1_000.0, 0.8), 0);
        a.secondary_curve = Some(hill(50.0, 1_000.0, 0.8));
        let mut b = item("b", hill(4_000.0, 1_000.0, 0.8), 0);
        b.secondary_curve = Some(hill(400.0, 1_000.0, 0.8));
        let mut p = problem(vec![a, b], budget);
        p.constraints.change_limit = None;
        p.objective = Objective::Weighted {
            primary: w_rev,
            secondary: w_conv,
            spend: 0.0,
        };
        p
    };
    let revenue_only = optimize(&make(1.0, 0.0), &opts()).unwrap();
    let conversions_heavy = optimize(&make(1.0, 100.0), &opts()).unwrap();
    assert!(revenue_only.spend_of("a") > revenue_only.spend_of("b"));
    assert!(conversions_heavy.spend_of("b") > conversions_heavy.spend_of("a"));
    // Exact check against every cent for the mixed weights.
    let p = make(1.0, 100.0);
    let value = |x: i64| {
        let (xa, xb) = (x as f64 / 100.0, (budget - x) as f64 / 100.0);
        p.items[0].curve.value(xa)
            + 100.0 * p.items[0].secondary_curve.unwrap().value(xa)
            + p.items[1].curve.value(xb)
            + 100.0 * p.items[1].secondary_curve.unwrap().value(xb)
    };
    let best = (0..=budget).map(value).fold(f64::NEG_INFINITY, f64::max);
    let got = value(conversions_heavy.spend_of("a").unwrap());
    assert!((best - got) / best <= 1e-6, "{got} vs {best}");
    assert!((conversions_heavy.objective_value - got).abs() <= 1e-9 * best);
    assert!(conversions_heavy.gap <= 1e-6);
}

#[test]
fn conflicts_that_only_integrality_creates_are_named_too() {
    let c = hill(1_000.0, 500.0, 0.8);
    let mut p = problem(
        vec![item("a", c, 0), item("b", c, 0), item("c", c, 0)],
        15_000,
    );
    p.constraints.change_limit = None;
    p.constraints.max_active = Some(1);
    for id in ["a", "b"] {
        p.constraints.items.push(ItemRule {
            item: id.into(),
            min: None,
            max: Some(ItemBound::Money(10_000)),
            locked: false,
            min_if_active: None,
        });
    }
    p.constraints.items.push(ItemRule {
        item: "c".into(),
        min: None,
        max: Some(ItemBound::Money(1_000)),
        locked: false,
        min_if_active: None,
    });
    // A slack group maximum that has nothing to do with the conflict.
    p.constraints.groups.push(GroupRule {
        name: "everything".into(),
        items: vec!["a".into(), "b".into(), "c".into()],
        min: None,
        max: Some(GroupBound::Money(100_000)),
    });
    // $150 with at most one active item, and no item can take more than $100.
    let err = optimize(&p, &opts()).unwrap_err();
    let EngineError::Infeasible { conflicting } = err else {
        panic!("expected infeasible, got {err:?}");
    };
    assert!(
        conflicting.iter().any(|c| c.contains("at most 1 active")),
        "{conflicting:?}"
    );
    assert!(
        conflicting.iter().any(|c| c.contains("total budget")),
        "{conflicting:?}"
    );
    assert!(
        conflicting.iter().any(|c| c.contains("maximum for a")),
        "{conflicting:?}"
    );
    assert!(
        conflicting.iter().any(|c| c.contains("maximum for b")),
        "{conflicting:?}"
    );
    // Without c's $10 cap, c alone could take the $150: it is part of the conflict.
    assert!(
        conflicting.iter().any(|c| c.contains("maximum for c")),
        "{conflicting:?}"
    );
    // The slack group maximum is not.
    assert!(
        !conflicting.iter().any(|c| c.contains("everything")),
        "{conflicting:?}"
    );
    assert_eq!(conflicting.len(), 5, "{conflicting:?}");
}
