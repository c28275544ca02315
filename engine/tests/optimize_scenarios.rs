//! What-if scenarios: constraint costs, objective comparisons, parameter sensitivity.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use engine::optimize::scenario::{
    Adjustment, compare_objectives, constraint_scenarios, sensitivity,
};
use engine::optimize::{
    Budget, BudgetMode, ConstraintRef, Constraints, CurveParams, GroupBound, GroupRule, Item,
    Objective, OptimizeOptions, Problem, ResponseCurve, optimize,
};

fn problem() -> Problem {
    let items = vec![
        (
            "brand",
            CurveParams::hill(2_000.0, 1_000.0, 0.8).unwrap(),
            100_000,
        ),
        (
            "perf",
            CurveParams::hill(20_000.0, 1_000.0, 0.8).unwrap(),
            100_000,
        ),
        (
            "social",
            CurveParams::logistic(8_000.0, 0.001).unwrap(),
            100_000,
        ),
    ];
    let mut constraints = Constraints::with_budget(Budget {
        amount: 300_000,
        mode: BudgetMode::Exactly,
    });
    constraints.change_limit = None;
    constraints.groups.push(GroupRule {
        name: "brand".into(),
        items: vec!["brand".into()],
        min: Some(GroupBound::Money(100_000)),
        max: None,
    });
    Problem {
        items: items
            .into_iter()
            .map(|(id, c, cur)| Item {
                id: id.into(),
                curve: ResponseCurve::certain(c),
                current: Some(cur),
                platform_min: None,
                secondary_curve: None,
            })
            .collect(),
        objective: Objective::Outcome,
        constraints,
    }
}

#[test]
fn removing_a_binding_minimum_reports_its_exact_cost() {
    let p = problem();
    let opts = OptimizeOptions::default();
    let base = optimize(&p, &opts).unwrap();
    assert_eq!(base.spend_of("brand"), Some(100_000));
    let s = constraint_scenarios(
        &p,
        &[
            (ConstraintRef::GroupMin(0), Adjustment::Remove),
            (ConstraintRef::GroupMin(0), Adjustment::Scale(0.5)),
            (ConstraintRef::GroupMin(0), Adjustment::Scale(4.0)),
        ],
        &opts,
    )
    .unwrap();
    let cost = s[0].difference.unwrap();
    assert!(cost > 0.0, "the brand minimum costs something: {cost}");
    // The dual price is the first-order view of the same cost.
    let dual = base
        .binding
        .iter()
        .find(|b| b.constraint == ConstraintRef::GroupMin(0))
        .unwrap()
        .value_per_unit;
    assert!(dual > 0.0);
    let half = s[1].difference.unwrap();
    assert!(half > 0.0 && half < cost);
    // A $4,000 brand minimum cannot hold with a $3,000 budget.
    assert!(s[2].objective.is_none());
    assert!(
        s[2].conflicting
            .iter()
            .any(|c| c.contains("group brand minimum"))
    );
}

#[test]
fn objectives_can_be_compared_on_the_same_constraints() {
    let mut p = problem();
    p.constraints.budget.amount = 3_000_000;
    let out = compare_objectives(
        &p,
        &[
            Objective::Outcome,
            Objective::Profit { margin: 0.5 },
            Objective::TargetRoas { target: 3.0 },
        ],
        &OptimizeOptions::default(),
    )
    .unwrap();
    assert_eq!(out[0].spend, 3_000_000);
    assert!(out[1].spend < out[0].spend);
    assert!(out[2].average_return >= 3.0 - 1e-9);
    assert!(out[0].expected_outcome >= out[1].expected_outcome);
}

#[test]
fn sensitivity_shows_which_parameters_move_the_plan() {
    let p = problem();
    let s = sensitivity(&p, 0.1, &OptimizeOptions::default()).unwrap();
    // brand: β, K, S; perf: β, K, S; social: β, λ.
    assert_eq!(s.len(), 8);
    let perf_beta = s
        .iter()
        .find(|x| x.item == "perf" && x.parameter == "beta")
        .unwrap();
    assert!(perf_beta.spend_up > perf_beta.spend_base);
    assert!(perf_beta.spend_down < perf_beta.spend_base);
    assert!(perf_beta.reallocated_share.1 > 0.0);
    // brand sits on its minimum: a small change in its curve does not move the plan.
    let brand_beta = s
        .iter()
        .find(|x| x.item == "brand" && x.parameter == "beta")
        .unwrap();
    assert_eq!(brand_beta.spend_up, brand_beta.spend_base);
}
