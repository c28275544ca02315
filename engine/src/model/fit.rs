//! Fitting: split, hyperparameter search, coefficients, gate, refit, bootstrap and outputs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::config::{AdstockKind, LiftTest, ModelConfig, SearchConfig};
use super::data::{Dataset, Periodicity, Series};
use super::design::BaselineSpec;
use super::fitted::{
    Bootstrap, ChannelSummary, Decomposition, FitMetrics, FittedChannel, FittedModel, Gate,
    GateStatus, Interaction, MODEL_FORMAT_VERSION, ModelState, ResponseCurve, SplitMetrics,
    contributions, estimate,
};
use super::search::{
    ChannelSpace, Coefficients, LiftRow, Problem, Transforms, global_search, local_search,
};
use crate::convert::ChannelTransform;
use crate::error::{EngineError, Result};

/// Share of β at which a channel counts as saturated.
const SATURATION_LEVEL: f64 = 0.9;

/// Fits a model to `data`, calibrated by `lifts`. Deterministic for `config.seed`.
///
/// The method, in order: split the periods oldest-first into train, validation and test; search
/// the transform hyperparameters to minimize the training error plus the validation error of
/// the training fit (plus the lift penalty); report accuracy per split from the training fit and
/// apply the deploy gate on test MAPE; refit the coefficients on all periods with the chosen
/// transforms; and bootstrap residual blocks for intervals.
pub fn fit(data: &Dataset, config: &ModelConfig, lifts: &[LiftTest]) -> Result<FittedModel> {
    data.validate()?;
    config.validate()?;
    let Prepared {
        mut problem,
        spec,
        n_train,
        n_fit,
        params,
        max_lag,
    } = prepare(data, config)?;
    let n = data.len();
    let p = data.periodicity;
    let lift_windows = map_lifts(data, lifts)?;
    let y = &data.outcome;

    let best = if lift_windows.is_empty() {
        global_search(&problem, y, config, config.seed)?
    } else {
        // A lift test counts as one Gaussian observation with its standard error, against
        // data whose noise level σ is estimated jointly: start from an uncalibrated fit's σ,
        // fit with the lift, re-estimate σ from the calibrated fit's residuals (a confounded
        // fit explains too much and so understates σ), and repeat until σ settles.
        let light = ModelConfig {
            search: SearchConfig {
                starts: 1,
                ..config.search.clone()
            },
            ..config.clone()
        };
        let mut best = global_search(&problem, y, &light, config.seed)?;
        let mut sigma = noise_scale(&problem, &best.u, y, params)?;
        let iters = (config.search.iters_per_dim * problem.dim()) as u64;
        for round in 0..6 {
            problem.lifts = lift_rows(&lift_windows, sigma);
            let local = local_search(&problem, y, &best.u, 0.5, iters)?;
            best = if round == 0 {
                let global = global_search(&problem, y, config, config.seed)?;
                if global.objective < local.objective {
                    global
                } else {
                    local
                }
            } else {
                local
            };
            let next = noise_scale(&problem, &best.u, y, params)?;
            let settled = (next / sigma - 1.0).abs() < 0.01;
            sigma = next;
            if settled {
                break;
            }
        }
        problem.lifts = lift_rows(&lift_windows, sigma);
        best
    };

    let transforms = problem.transforms(&best.u);
    let media = problem.media_columns(&transforms);
    let train = problem.solve(&media, y, n_train)?;
    let train_pred = problem.predict(&media, &train);
    let metrics = SplitMetrics {
        train: FitMetrics::compute(&y[..n_train], &train_pred[..n_train]),
        validation: FitMetrics::compute(&y[n_train..n_fit], &train_pred[n_train..n_fit]),
        test: FitMetrics::compute(&y[n_fit..], &train_pred[n_fit..]),
    };
    let gate = Gate {
        max_test_mape: config.max_test_mape,
        status: match metrics.test.mape {
            Some(m) if m <= config.max_test_mape => GateStatus::Accepted,
            Some(m) => GateStatus::Rejected {
                reason: format!(
                    "test MAPE {:.1}% exceeds the limit of {:.1}%",
                    100.0 * m,
                    100.0 * config.max_test_mape
                ),
            },
            None => GateStatus::Rejected {
                reason: "test MAPE is undefined (the test outcome is all zero)".into(),
            },
        },
    };

    let full = problem.solve(&media, y, n)?;
    let fitted = problem.predict(&media, &full);
    let residuals: Vec<f64> = y.iter().zip(&fitted).map(|(a, b)| a - b).collect();
    let estimate_state = state_of(&transforms, &full, &problem.pairs);

    // Block bootstrap of residuals around the full fit.
    let block = config
        .bootstrap
        .block_length
        .unwrap_or_else(|| {
            let cube = (n as f64).cbrt().ceil() as usize;
            match p {
                Periodicity::Weekly => cube.max(4),
                Periodicity::Daily => cube.max(7),
            }
        })
        .clamp(1, n);
    let polish = (config.bootstrap.polish_iters_per_dim * problem.dim()) as u64;
    let base_lifts = problem.lifts.clone();
    let mut replicates = Vec::with_capacity(config.bootstrap.replicates);
    for r in 0..config.bootstrap.replicates {
        let mut rng = ChaCha8Rng::seed_from_u64(
            config
                .seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(r as u64 + 1),
        );
        let mut y_star = Vec::with_capacity(n);
        while y_star.len() < n {
            let start = rng.random_range(0..=n - block);
            for e in &residuals[start..start + block] {
                if y_star.len() < n {
                    y_star.push(fitted[y_star.len()] + e);
                }
            }
        }
        problem.lifts = base_lifts
            .iter()
            .map(|l| {
                let z: f64 = StandardNormal.sample(&mut rng);
                LiftRow {
                    lift: l.lift + z * l.std_error,
                    ..l.clone()
                }
            })
            .collect();
        let (t_r, m_r) = if polish > 0 {
            let u = local_search(&problem, &y_star, &best.u, 0.3, polish)?.u;
            let t = problem.transforms(&u);
            let m = problem.media_columns(&t);
            (t, m)
        } else {
            (transforms.clone(), media.clone())
        };
        let c = problem.solve(&m_r, &y_star, n)?;
        replicates.push(state_of(&t_r, &c, &problem.pairs));
    }

    let cur_window = p.current_window().min(n);
    let current_outcome = y[n - cur_window..].iter().sum::<f64>() / cur_window as f64;
    let channels: Vec<FittedChannel> = data
        .channels
        .iter()
        .zip(&estimate_state.channels)
        .map(|(c, t)| FittedChannel {
            name: c.name.clone(),
            transform: *t,
            total_spend: c.values.iter().sum(),
            current_spend_per_period: c.values[n - cur_window..].iter().sum::<f64>()
                / cur_window as f64,
            max_spend_per_period: c.values.iter().copied().fold(0.0, f64::max),
            history_tail: c.values[n - (max_lag - 1).min(n)..].to_vec(),
        })
        .collect();

    let spend: Vec<Vec<f64>> = data.channels.iter().map(|c| c.values.clone()).collect();
    let total_y: f64 = y.iter().sum();
    let outputs = |s: &ModelState| channel_outputs(s, &channels, &spend, total_y, current_outcome);
    let point = outputs(&estimate_state);
    let draws: Vec<Vec<[f64; 7]>> = replicates.iter().map(outputs).collect();
    let level = config.bootstrap.level;
    let summary = channels
        .iter()
        .enumerate()
        .map(|(c, ch)| {
            let e = |i: usize| {
                let d: Vec<f64> = draws.iter().map(|r| r[c][i]).collect();
                estimate(point[c][i], &d, level)
            };
            ChannelSummary {
                channel: ch.name.clone(),
                beta: e(0),
                contribution: e(1),
                contribution_share: e(2),
                roas: e(3),
                marginal_roas: e(4),
                elasticity: e(5),
                saturation_point: e(6),
                current_spend_per_period: ch.current_spend_per_period,
            }
        })
        .collect();

    let current: Vec<f64> = channels
        .iter()
        .map(|c| c.current_spend_per_period)
        .collect();
    let point_levels = estimate_state.levels(&current);
    let replicate_levels: Vec<Vec<f64>> = replicates.iter().map(|r| r.levels(&current)).collect();
    let response_curves = channels
        .iter()
        .enumerate()
        .map(|(c, ch)| {
            let top = (2.0 * ch.current_spend_per_period).max(ch.max_spend_per_period);
            let grid: Vec<f64> = (0..config.curve_points)
                .map(|i| top * i as f64 / (config.curve_points - 1) as f64)
                .collect();
            ResponseCurve {
                channel: ch.name.clone(),
                outcome: grid
                    .iter()
                    .map(|x| {
                        let d: Vec<f64> = replicates
                            .iter()
                            .zip(&replicate_levels)
                            .map(|(r, l)| r.curve(c, *x, l))
                            .collect();
                        estimate(estimate_state.curve(c, *x, &point_levels), &d, level)
                    })
                    .collect(),
                spend: grid,
            }
        })
        .collect();
    let elasticity_matrix = config
        .interactions
        .then(|| elasticity_matrix(&estimate_state, &current, current_outcome));

    let contrib = contributions(&estimate_state, &spend, 0);
    let decomposition = Decomposition {
        days: (0..n).map(|t| data.day_of(t)).collect(),
        actual: y.clone(),
        fitted: fitted.clone(),
        baseline: FittedModel::baseline_parts(&spec, &problem.baseline, &estimate_state.baseline),
        channels: channels
            .iter()
            .zip(contrib)
            .map(|(c, v)| Series::new(c.name.clone(), v))
            .collect(),
    };

    Ok(FittedModel {
        format_version: MODEL_FORMAT_VERSION,
        periodicity: p,
        first_day: data.first_day,
        periods: n,
        outcome_name: data.outcome_name.clone(),
        config: config.clone(),
        lift_tests: lifts.to_vec(),
        channels,
        baseline_spec: spec,
        estimate: estimate_state,
        metrics,
        gate,
        summary,
        elasticity_matrix,
        response_curves,
        decomposition,
        bootstrap: Bootstrap {
            level,
            block_length: block,
            hyperparameters_refitted: polish > 0,
            replicates,
            residuals,
        },
    })
}

/// The problem set up for a dataset: split, baseline and search space.
pub(crate) struct Prepared<'a> {
    pub problem: Problem<'a>,
    pub spec: BaselineSpec,
    pub n_train: usize,
    pub n_fit: usize,
    pub params: usize,
    pub max_lag: usize,
}

pub(crate) fn prepare<'a>(data: &'a Dataset, config: &ModelConfig) -> Result<Prepared<'a>> {
    let n = data.len();
    let p = data.periodicity;
    let n_train = (n as f64 * config.train_share).floor() as usize;
    let n_val = (n as f64 * config.validation_share).floor() as usize;
    let n_fit = n_train + n_val;
    if n_val == 0 || n_fit >= n {
        return Err(EngineError::invalid(
            "periods",
            format!("{n} periods are too few to split into train, validation and test"),
        ));
    }
    let min_lag = config.max_lag.unwrap_or(p.default_max_lag());
    // Without an explicit window, a geometric adstock's window follows its decay (a daily decay
    // of 0.95 lasts months), up to a third of the history; `max_lag` is then the longest window
    // any fit may use, and the forecast's carry-in keeps that many periods.
    let window_cap = (config.max_lag.is_none() && config.adstock == AdstockKind::Geometric)
        .then(|| (n / 3).max(min_lag));
    let max_lag = window_cap.unwrap_or(min_lag);
    let span_days = n as i64 * p.days();
    let changepoints = (1..=config.changepoints)
        .map(|j| n_train as f64 * j as f64 / (config.changepoints + 1) as f64)
        .collect();
    let spec = BaselineSpec {
        periodicity: p,
        first_day: data.first_day,
        trend_scale: n as f64,
        changepoints,
        yearly_order: if span_days >= 300 {
            config.yearly_order
        } else {
            0
        },
        weekly_order: if p == Periodicity::Daily {
            config.weekly_order.min(3)
        } else {
            0
        },
        events: data.events.iter().map(|s| s.name.clone()).collect(),
        controls: data.controls.iter().map(|s| s.name.clone()).collect(),
    };
    let baseline = spec.columns(0, n, &data.events, &data.controls)?;
    let spaces: Vec<ChannelSpace> = data
        .channels
        .iter()
        .map(|c| {
            let (sum, count) = c
                .values
                .iter()
                .filter(|v| **v > 0.0)
                .fold((0.0, 0usize), |(s, m), v| (s + v, m + 1));
            ChannelSpace {
                adstock: config.adstock,
                saturation: config.saturation,
                max_lag: min_lag,
                normalized: config.normalized_adstock,
                typical_spend: sum / count.max(1) as f64,
                window_cap,
                daily: p == Periodicity::Daily && window_cap.is_some(),
            }
        })
        .collect();
    let mut problem = Problem::new(
        data.channels.iter().map(|c| c.values.as_slice()).collect(),
        spaces,
        baseline,
        n_train,
        n_fit,
        config.ridge,
    );
    problem.validation_weight = config.search.validation_weight;
    let k = data.channels.len();
    problem.interaction_ridge = config.interaction_ridge;
    problem.hill_shape_prior = config.search.hill_shape_prior;
    if config.interactions {
        problem.pairs = (0..k)
            .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
            .collect();
    }
    let params = k + problem.pairs.len() + spec.width() + problem.dim();
    if n_train <= params {
        return Err(EngineError::invalid(
            "periods",
            format!(
                "{n} periods leave {n_train} for training, but the model has {params} parameters \
                 ({k} channels, {} baseline columns, {} transform hyperparameters); supply more \
                 history or fewer columns",
                spec.width(),
                problem.dim()
            ),
        ));
    }
    Ok(Prepared {
        problem,
        spec,
        n_train,
        n_fit,
        params,
        max_lag,
    })
}

fn state_of(transforms: &[Transforms], c: &Coefficients, pairs: &[(usize, usize)]) -> ModelState {
    ModelState {
        interactions: pairs
            .iter()
            .zip(&c.beta[transforms.len()..])
            .map(|(&(first, second), &gamma)| Interaction {
                first,
                second,
                gamma,
            })
            .collect(),
        channels: transforms
            .iter()
            .zip(&c.beta)
            .map(|((a, s), b)| ChannelTransform {
                adstock: *a,
                saturation: *s,
                beta: *b,
            })
            .collect(),
        baseline: c.gamma.clone(),
    }
}

fn residual_sd(actual: &[f64], pred: &[f64], params: usize) -> f64 {
    let sse: f64 = actual
        .iter()
        .zip(pred)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let dof = actual.len().saturating_sub(params).max(1);
    (sse / dof as f64).sqrt().max(1e-12)
}

/// The data's noise scale for weighing lift tests: the residual standard deviation of the
/// training fit, inflated for residual autocorrelation (autocorrelated residuals hold fewer
/// independent observations than periods).
fn noise_scale(problem: &Problem<'_>, u: &[f64], y: &[f64], params: usize) -> Result<f64> {
    let n_train = problem.n_train;
    let transforms = problem.transforms(u);
    let media = problem.media_columns(&transforms);
    let c = problem.solve(&media, y, n_train)?;
    let pred = problem.predict(&media, &c);
    Ok(residual_sd(&y[..n_train], &pred[..n_train], params)
        * ar1_inflation(&y[..n_train], &pred[..n_train]).sqrt())
}

fn lift_rows(windows: &[(usize, usize, usize, &LiftTest)], sigma: f64) -> Vec<LiftRow> {
    windows
        .iter()
        .map(|(channel, first, last, t)| LiftRow {
            channel: *channel,
            first: *first,
            last: *last,
            lift: t.lift,
            std_error: t.std_error,
            weight: sigma / t.std_error,
        })
        .collect()
}

/// `(1 + ρ) / (1 − ρ)` for the lag-1 autocorrelation `ρ` of the residuals (clamped to
/// `[0, 0.9]`): how much autocorrelation inflates the variance of a mean.
fn ar1_inflation(actual: &[f64], pred: &[f64]) -> f64 {
    let e: Vec<f64> = actual.iter().zip(pred).map(|(a, b)| a - b).collect();
    let num: f64 = e.windows(2).map(|w| w[0] * w[1]).sum();
    let den: f64 = e.iter().map(|v| v * v).sum();
    let rho = if den > 0.0 {
        (num / den).clamp(0.0, 0.9)
    } else {
        0.0
    };
    (1.0 + rho) / (1.0 - rho)
}

/// Per channel: β, contribution, share, ROAS, marginal ROAS, elasticity, saturation point.
fn channel_outputs(
    state: &ModelState,
    channels: &[FittedChannel],
    spend: &[Vec<f64>],
    total_y: f64,
    current_outcome: f64,
) -> Vec<[f64; 7]> {
    let contrib = contributions(state, spend, 0);
    let current: Vec<f64> = channels
        .iter()
        .map(|c| c.current_spend_per_period)
        .collect();
    let levels = state.levels(&current);
    state
        .channels
        .iter()
        .zip(channels)
        .zip(contrib)
        .enumerate()
        .map(|(i, ((t, ch), c))| {
            let total: f64 = c.iter().sum();
            let m = t.adstock.steady_state_multiplier();
            let x = ch.current_spend_per_period;
            let marginal = state.marginal(i, x, &levels);
            [
                t.beta,
                total,
                total / total_y,
                total / ch.total_spend,
                marginal,
                x * marginal / current_outcome,
                t.saturation.inverse(SATURATION_LEVEL) / m,
            ]
        })
        .collect()
}

/// `E[i][j] = x_j / ȳ · ∂r_i/∂x_j` at current spend, where `r_i` is channel `i`'s attributed
/// steady-state outcome (its own term plus half of each of its interactions).
fn elasticity_matrix(state: &ModelState, current: &[f64], current_outcome: f64) -> Vec<Vec<f64>> {
    let k = state.channels.len();
    let levels = state.levels(current);
    let slope: Vec<f64> = state
        .channels
        .iter()
        .zip(current)
        .map(|(t, x)| {
            let m = t.adstock.steady_state_multiplier();
            m * t.saturation.derivative(m * x)
        })
        .collect();
    let mut e = vec![vec![0.0; k]; k];
    for i in 0..k {
        let mut own = state.channels[i].beta;
        for it in &state.interactions {
            let other = if it.first == i {
                it.second
            } else if it.second == i {
                it.first
            } else {
                continue;
            };
            own += 0.5 * it.gamma * levels[other];
            e[i][other] += 0.5 * it.gamma * levels[i] * slope[other];
        }
        e[i][i] += own * slope[i];
    }
    for row in &mut e {
        for (j, v) in row.iter_mut().enumerate() {
            *v *= current[j] / current_outcome;
        }
    }
    e
}

/// Maps lift tests to (channel index, first period, last period, test).
fn map_lifts<'t>(
    data: &Dataset,
    lifts: &'t [LiftTest],
) -> Result<Vec<(usize, usize, usize, &'t LiftTest)>> {
    let days = data.periodicity.days();
    lifts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let field = |f: &str| format!("lift test {} {f}", i + 1);
            let c = data
                .channels
                .iter()
                .position(|s| s.name == t.channel)
                .ok_or_else(|| {
                    EngineError::invalid(
                        field("channel"),
                        format!("{} is not a channel", t.channel),
                    )
                })?;
            if !(t.std_error.is_finite() && t.std_error > 0.0 && t.lift.is_finite()) {
                return Err(EngineError::invalid(
                    field("lift"),
                    "lift must be finite and its standard error positive",
                ));
            }
            let index = |day: i64| -> Option<usize> {
                let off = day - data.first_day;
                (off >= 0 && off % days == 0 && ((off / days) as usize) < data.len())
                    .then_some((off / days) as usize)
            };
            match (index(t.first_day), index(t.last_day)) {
                (Some(a), Some(b)) if a <= b => Ok((c, a, b, t)),
                _ => Err(EngineError::invalid(
                    field("window"),
                    "must start and end on period dates inside the history, in order",
                )),
            }
        })
        .collect()
}
