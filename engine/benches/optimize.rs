//! Optimizer benchmark: 10 … 10,000 items with group constraints and ±15% change limits.
//!
//! Prints a table: solve time to the 1e-6 gap (median and best of several runs), the gap
//! reached, refinement rounds, LP pieces, and peak memory. Each size runs in its own child
//! process so that its peak resident memory (VmHWM from /proc/self/status) is its own.
//!
//! Run with `cargo bench -p engine --bench optimize` (release profile).

use std::process::Command;
use std::time::Instant;

use engine::optimize::{
    Budget, BudgetMode, ChangeLimit, Constraints, CurveParams, GroupBound, GroupRule, Item,
    Objective, OptimizeOptions, Problem, ResponseCurve, optimize,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];
const GROUPS: usize = 10;

/// A reproducible problem: mixed Hill and logistic curves, 10 groups with money and share
/// bounds around today's spend, ±15% change limits, and a budget 4% above today's total.
fn problem(n: usize, seed: u64) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let items: Vec<Item> = (0..n)
        .map(|i| {
            let current: i64 = rng.random_range(10_000..1_000_000); // $100 … $10,000 a day
            let scale = current as f64 / 100.0;
            let curve = if i % 4 == 3 {
                CurveParams::logistic(
                    rng.random_range(2.0..8.0) * scale,
                    rng.random_range(0.2..2.0) / scale,
                )
            } else {
                CurveParams::hill(
                    rng.random_range(2.0..8.0) * scale,
                    rng.random_range(0.3..3.0) * scale,
                    rng.random_range(0.4..1.0),
                )
            };
            Item {
                id: format!("campaign-{i:05}"),
                curve: ResponseCurve::certain(curve.unwrap_or_else(|e| panic!("{e}"))),
                current: Some(current),
                platform_min: Some(500),
                secondary_curve: None,
            }
        })
        .collect();
    let total: i64 = items.iter().filter_map(|i| i.current).sum();
    let mut constraints = Constraints::with_budget(Budget {
        amount: total + total / 25,
        mode: BudgetMode::Exactly,
    });
    constraints.change_limit = Some(ChangeLimit::default());
    for g in 0..GROUPS.min(n) {
        let members: Vec<String> = (g..n)
            .step_by(GROUPS)
            .map(|i| items[i].id.clone())
            .collect();
        let sum: i64 = (g..n)
            .step_by(GROUPS)
            .filter_map(|i| items[i].current)
            .sum();
        let (min, max) = if g % 2 == 0 {
            (
                Some(GroupBound::Money(sum)),
                Some(GroupBound::Money(sum + sum / 10)),
            )
        } else {
            // At most 5% above today's share of spend.
            let share = sum as f64 / total as f64;
            (None, Some(GroupBound::Share((share * 1.05).min(1.0))))
        };
        constraints.groups.push(GroupRule {
            name: format!("group-{g}"),
            items: members,
            min,
            max,
        });
    }
    Problem {
        items,
        objective: Objective::Outcome,
        constraints,
    }
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn child(n: usize) {
    let p = problem(n, 42);
    let opts = OptimizeOptions::default();
    let before = vm_hwm_kib().unwrap_or(0);
    let runs = if n >= 10_000 {
        7
    } else if n >= 1_000 {
        15
    } else {
        40
    };
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let plan = optimize(&p, &opts).unwrap_or_else(|e| panic!("{n} items: {e}"));
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(plan);
    }
    let after = vm_hwm_kib().unwrap_or(0);
    times.sort_by(f64::total_cmp);
    let plan = last.unwrap_or_else(|| panic!("no run"));
    assert_eq!(plan.total_spend, p.constraints.budget.amount);
    println!(
        "{n}\t{:.2}\t{:.2}\t{:.1e}\t{}\t{}\t{:.1}\t{:.1}",
        times[times.len() / 2],
        times[0],
        plan.gap,
        plan.rounds,
        plan.segments,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / 1024.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        let n = args.get(pos + 1).and_then(|s| s.parse().ok()).unwrap_or(10);
        child(n);
        return;
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    println!(
        "{:>7}  {:>11}  {:>9}  {:>8}  {:>6}  {:>8}  {:>13}  {:>14}",
        "items", "median ms", "best ms", "gap", "rounds", "pieces", "peak RSS MiB", "solve +MiB"
    );
    for n in SIZES {
        let out = Command::new(&exe)
            .args(["--child", &n.to_string()])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let line = String::from_utf8_lossy(&out.stdout);
        let f: Vec<&str> = line.trim().split('\t').collect();
        if f.len() != 8 {
            eprintln!("{n} items failed: {}", String::from_utf8_lossy(&out.stderr));
            continue;
        }
        println!(
            "{:>7}  {:>11}  {:>9}  {:>8}  {:>6}  {:>8}  {:>13}  {:>14}",
            f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
        );
    }
}
