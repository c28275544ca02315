//! Property tests of the optimizer: exact constraints to the cent, the budget spent exactly,
//! never worse than a feasible current allocation, and agreement with an independent exact
//! method (bisection on the Lagrange multiplier of the budget).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use engine::optimize::{
    Budget, BudgetMode, ChangeLimit, Constraints, CurveParams, GroupBound, GroupRule, Item,
    ItemBound, ItemRule, Objective, OptimizeOptions, Problem, ResponseCurve, optimize,
};
use proptest::prelude::*;

/// A concave curve: Hill with shape ≤ 1 or logistic, scaled to spends of ~10²–10⁴ dollars.
fn curve() -> impl Strategy<Value = CurveParams> {
    prop_oneof![
        (100.0..1e5f64, 50.0..2e4f64, 0.3..=1.0f64)
            .prop_map(|(b, k, s)| CurveParams::hill(b, k, s).unwrap()),
        (100.0..1e5f64, 1e-4..1e-2f64).prop_map(|(b, l)| CurveParams::logistic(b, l).unwrap()),
        (
            100.0..1e5f64,
            50.0..2e4f64,
            0.3..=1.0f64,
            0.0..5e3f64,
            1.0..3.0f64
        )
            .prop_map(|(b, k, s, c, m)| CurveParams::hill(b, k, s)
                .unwrap()
                .with_carry_in(c)
                .unwrap()
                .with_adstock_multiplier(m)
                .unwrap()),
    ]
}

/// A feasible problem by construction: the current allocation meets every constraint and the
/// budget equals its total.
#[derive(Debug, Clone)]
struct Case {
    problem: Problem,
    /// Integer-percent change limit, for exact integer checks.
    change_pct: i64,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..14)
        .prop_flat_map(|n| {
            (
                prop::collection::vec((curve(), 1_000i64..2_000_000), n),
                5i64..40,
                prop::collection::vec((0usize..n, 0i64..50, 0i64..50, any::<bool>()), 0..4),
                prop::collection::vec(
                    (prop::collection::vec(0usize..n, 1..=n), 0i64..30, 0i64..30),
                    0..3,
                ),
            )
        })
        .prop_map(|(items, change_pct, rules, groups)| {
            let items: Vec<Item> = items
                .into_iter()
                .enumerate()
                .map(|(i, (c, cur))| Item {
                    id: format!("item{i}"),
                    curve: ResponseCurve::certain(c),
                    current: Some(cur),
                    platform_min: None,
                    secondary_curve: None,
                })
                .collect();
            let total: i64 = items.iter().filter_map(|i| i.current).sum();
            let mut constraints = Constraints::with_budget(Budget {
                amount: total,
                mode: BudgetMode::Exactly,
            });
            constraints.change_limit = Some(ChangeLimit {
                max_increase: change_pct as f64 / 100.0,
                max_decrease: change_pct as f64 / 100.0,
                exempt: Vec::new(),
            });
            for (i, below, above, locked) in rules {
                let cur = items[i].current.unwrap_or(0);
                constraints.items.push(ItemRule {
                    item: items[i].id.clone(),
                    min: Some(ItemBound::Money(cur - cur * below / 100)),
                    max: Some(ItemBound::Money(cur + cur * above / 100)),
                    locked,
                    min_if_active: None,
                });
            }
            for (g, (members, below, above)) in groups.into_iter().enumerate() {
                let mut m = members;
                m.sort_unstable();
                m.dedup();
                let sum: i64 = m.iter().map(|&i| items[i].current.unwrap_or(0)).sum();
                constraints.groups.push(GroupRule {
                    name: format!("group{g}"),
                    items: m.iter().map(|&i| items[i].id.clone()).collect(),
                    min: Some(GroupBound::Money(sum - sum * below / 100)),
                    max: Some(GroupBound::Money(sum + sum * above / 100)),
                });
            }
            Case {
                problem: Problem {
                    items,
                    objective: Objective::Outcome,
                    constraints,
                },
                change_pct,
            }
        })
}

fn outcome(p: &Problem, spend: &[i64]) -> f64 {
    p.items
        .iter()
        .zip(spend)
        .map(|(it, &s)| it.curve.value(s as f64 / 100.0))
        .sum()
}

/// Checks every constraint with integer arithmetic only.
fn assert_meets_constraints(case: &Case, spend: &[i64]) {
    let p = &case.problem;
    let c = &p.constraints;
    assert_eq!(
        spend.iter().sum::<i64>(),
        c.budget.amount,
        "budget spent exactly"
    );
    let pct = case.change_pct;
    for (it, &s) in p.items.iter().zip(spend) {
        let cur = it.current.unwrap_or(0);
        assert!(s >= 0);
        assert!(
            s * 100 >= cur * (100 - pct),
            "{}: {s} below −{pct}% of {cur}",
            it.id
        );
        assert!(
            s * 100 <= cur * (100 + pct),
            "{}: {s} above +{pct}% of {cur}",
            it.id
        );
    }
    for rule in &c.items {
        let i = p.items.iter().position(|it| it.id == rule.item).unwrap();
        if let Some(ItemBound::Money(m)) = rule.min {
            assert!(spend[i] >= m, "{} below its minimum", rule.item);
        }
        if let Some(ItemBound::Money(m)) = rule.max {
            assert!(spend[i] <= m, "{} above its maximum", rule.item);
        }
        if rule.locked {
            assert_eq!(
                Some(spend[i]),
                p.items[i].current,
                "{} is locked",
                rule.item
            );
        }
    }
    for g in &c.groups {
        let sum: i64 = g
            .items
            .iter()
            .map(|id| spend[p.items.iter().position(|it| &it.id == id).unwrap()])
            .sum();
        if let Some(GroupBound::Money(m)) = g.min {
            assert!(sum >= m, "group {} below its minimum", g.name);
        }
        if let Some(GroupBound::Money(m)) = g.max {
            assert!(sum <= m, "group {} above its maximum", g.name);
        }
    }
}

/// The independent exact method for separable concave curves with bounds and one budget row:
/// bisection on the budget's Lagrange multiplier λ, each item at `argmax f(x) − λx` on its box.
fn lagrange_bisection(curves: &[CurveParams], lo: &[f64], hi: &[f64], budget: f64) -> f64 {
    let argmax = |c: &CurveParams, l: f64, h: f64, lambda: f64| -> f64 {
        if c.derivative(l) <= lambda {
            return l;
        }
        if c.derivative(h) >= lambda {
            return h;
        }
        let (mut a, mut b) = (l, h);
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if c.derivative(m) > lambda {
                a = m;
            } else {
                b = m;
            }
        }
        0.5 * (a + b)
    };
    let total = |lambda: f64| -> f64 {
        curves
            .iter()
            .zip(lo.iter().zip(hi))
            .map(|(c, (&l, &h))| argmax(c, l, h, lambda))
            .sum()
    };
    let (mut a, mut b) = (0.0f64, 1.0f64);
    while total(b) > budget {
        b *= 2.0;
    }
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if total(m) > budget {
            a = m;
        } else {
            b = m;
        }
    }
    let lambda = 0.5 * (a + b);
    curves
        .iter()
        .zip(lo.iter().zip(hi))
        .map(|(c, (&l, &h))| c.value(argmax(c, l, h, lambda)))
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn every_plan_meets_every_constraint_to_the_cent_and_beats_the_current_allocation(case in case()) {
        let plan = optimize(&case.problem, &OptimizeOptions::default()).unwrap();
        let spend: Vec<i64> = plan.items.iter().map(|i| i.spend).collect();
        assert_meets_constraints(&case, &spend);
        prop_assert_eq!(plan.total_spend, case.problem.constraints.budget.amount);
        let current: Vec<i64> = case.problem.items.iter().map(|i| i.current.unwrap()).collect();
        let f_plan = outcome(&case.problem, &spend);
        let f_cur = outcome(&case.problem, &current);
        prop_assert!(f_plan >= f_cur, "plan {} worse than current {}", f_plan, f_cur);
        prop_assert!(plan.gap <= 1e-6, "gap {}", plan.gap);
        prop_assert!((plan.expected_outcome - f_plan).abs() <= 1e-9 * f_plan.abs().max(1.0));
    }

    #[test]
    fn the_objective_matches_lagrange_bisection_to_one_part_per_million(
        items in prop::collection::vec((curve(), 0i64..500_000, 1_000i64..3_000_000), 1..16),
        fill in 0.0..1.0f64,
    ) {
        // Boxes [lo, lo + width] in cents; the budget anywhere between Σlo and Σhi.
        let sum_lo: i64 = items.iter().map(|x| x.1).sum();
        let sum_hi: i64 = items.iter().map(|x| x.1 + x.2).sum();
        let budget = sum_lo + ((sum_hi - sum_lo) as f64 * fill) as i64;
        let mut constraints = Constraints::with_budget(Budget { amount: budget, mode: BudgetMode::Exactly });
        constraints.change_limit = None;
        let problem_items: Vec<Item> = items.iter().enumerate().map(|(i, (c, _, _))| Item {
            id: format!("i{i}"),
            curve: ResponseCurve::certain(*c),
            current: None,
            platform_min: None,
            secondary_curve: None,
        }).collect();
        for (i, (_, lo, w)) in items.iter().enumerate() {
            constraints.items.push(ItemRule {
                item: format!("i{i}"),
                min: Some(ItemBound::Money(*lo)),
                max: Some(ItemBound::Money(lo + w)),
                locked: false,
                min_if_active: None,
            });
        }
        let problem = Problem { items: problem_items, objective: Objective::Outcome, constraints };
        let plan = optimize(&problem, &OptimizeOptions::default()).unwrap();
        prop_assert_eq!(plan.total_spend, budget);
        let curves: Vec<CurveParams> = items.iter().map(|x| x.0).collect();
        let lo: Vec<f64> = items.iter().map(|x| x.1 as f64 / 100.0).collect();
        let hi: Vec<f64> = items.iter().map(|x| (x.1 + x.2) as f64 / 100.0).collect();
        let exact = lagrange_bisection(&curves, &lo, &hi, budget as f64 / 100.0);
        let rel = (exact - plan.expected_outcome).abs() / exact.abs().max(1e-12);
        prop_assert!(rel <= 1e-6, "optimizer {} vs bisection {} (rel {:e})", plan.expected_outcome, exact, rel);
        // The proven upper bound really bounds the exact optimum.
        prop_assert!(plan.upper_bound >= exact * (1.0 - 1e-9), "bound {} below optimum {}", plan.upper_bound, exact);
    }
}

/// Above 400 movable items the LP is solved on a restricted set of items with a priced-out
/// remainder; the answer must still be the exact optimum.
#[test]
fn thousands_of_items_match_lagrange_bisection_too() {
    let n = 3_000;
    let curves: Vec<CurveParams> = (0..n)
        .map(|i| {
            let scale = 100.0 + (i * 37 % 1000) as f64;
            if i % 3 == 0 {
                CurveParams::logistic(3.0 * scale, 1.0 / scale).unwrap()
            } else {
                CurveParams::hill(4.0 * scale, scale, 0.5 + (i % 5) as f64 * 0.1).unwrap()
            }
        })
        .collect();
    let lo: Vec<i64> = (0..n)
        .map(|i| 5_000 + (i as i64 * 13 % 7) * 1_000)
        .collect();
    let hi: Vec<i64> = lo
        .iter()
        .enumerate()
        .map(|(i, l)| l + 20_000 + (i as i64 % 11) * 5_000)
        .collect();
    let budget = (lo.iter().sum::<i64>() + hi.iter().sum::<i64>()) / 2;
    let mut constraints = Constraints::with_budget(Budget {
        amount: budget,
        mode: BudgetMode::Exactly,
    });
    constraints.change_limit = None;
    let items: Vec<Item> = (0..n)
        .map(|i| Item {
            id: format!("i{i}"),
            curve: ResponseCurve::certain(curves[i]),
            current: None,
            platform_min: None,
            secondary_curve: None,
        })
        .collect();
    for i in 0..n {
        constraints.items.push(ItemRule {
            item: format!("i{i}"),
            min: Some(ItemBound::Money(lo[i])),
            max: Some(ItemBound::Money(hi[i])),
            locked: false,
            min_if_active: None,
        });
    }
    let problem = Problem {
        items,
        objective: Objective::Outcome,
        constraints,
    };
    let plan = optimize(&problem, &OptimizeOptions::default()).unwrap();
    assert_eq!(plan.total_spend, budget);
    let lo_f: Vec<f64> = lo.iter().map(|&c| c as f64 / 100.0).collect();
    let hi_f: Vec<f64> = hi.iter().map(|&c| c as f64 / 100.0).collect();
    let exact = lagrange_bisection(&curves, &lo_f, &hi_f, budget as f64 / 100.0);
    let rel = (exact - plan.expected_outcome).abs() / exact;
    assert!(
        rel <= 1e-6,
        "optimizer {} vs bisection {exact} (rel {rel:e})",
        plan.expected_outcome
    );
    assert!(plan.gap <= 1e-6);
}
