//! The regression problem for given transform hyperparameters, and the bounded multi-start
//! search over those hyperparameters (Latin-hypercube sampling, then argmin's Nelder–Mead).

use argmin::core::{CostFunction, Error as ArgminError, Executor, State};
use argmin::solver::neldermead::NelderMead;
use nalgebra::{DMatrix, DVector};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::{AdstockKind, ModelConfig, SaturationKind};
use super::solve::nnls_ridge;
use crate::error::{EngineError, Result};
use crate::transform::{Adstock, Saturation};

/// One channel's transforms.
pub type Transforms = (Adstock, Saturation);

/// How a channel's hyperparameters map from the search box to transforms.
#[derive(Debug, Clone)]
pub(crate) struct ChannelSpace {
    pub adstock: AdstockKind,
    pub saturation: SaturationKind,
    pub max_lag: usize,
    pub normalized: bool,
    /// Mean of the channel's non-zero spend; the half-saturation bounds scale with it.
    pub typical_spend: f64,
    /// When set, a geometric adstock's window follows its decay: the shortest window that holds
    /// 99.9% of the undecayed weight (`α^L ≤ 0.001`), at least `max_lag` and at most this cap.
    /// `None` keeps every window at `max_lag`.
    pub window_cap: Option<usize>,
    /// Daily data with an adaptive window: the geometric decay is searched on a log scale of
    /// its half-life (`DAILY_HALF_LIFE` days), reaching the long carryover of offline media
    /// (0.95 per day and more). Otherwise `α` is searched linearly in `[0, ALPHA_MAX]`.
    pub daily: bool,
}

const ALPHA_MAX: f64 = 0.9;
/// Half-life range of daily geometric carryover, in days: `α = 0.5^(1/h)` spans 0.06–0.985.
const DAILY_HALF_LIFE: (f64, f64) = (0.25, 45.0);
/// Share of the undecayed adstock weight an adaptive window leaves out.
const WINDOW_TAIL: f64 = 1e-3;

/// The adaptive window of a geometric decay `alpha`: the shortest `L` with `α^L ≤ 0.001`,
/// clamped to `[min, cap]`.
pub(crate) fn geometric_window(alpha: f64, min: usize, cap: usize) -> usize {
    let want = if alpha <= 0.0 {
        1
    } else if alpha >= 1.0 {
        usize::MAX
    } else {
        (WINDOW_TAIL.ln() / alpha.ln()).ceil().max(1.0) as usize
    };
    want.clamp(min.min(cap), cap.max(min))
}
const HALF_MIN: f64 = 0.1;
const HALF_MAX: f64 = 5.0;

impl ChannelSpace {
    pub fn dim(&self) -> usize {
        let a = match self.adstock {
            AdstockKind::Geometric => 1,
            AdstockKind::WeibullCdf | AdstockKind::WeibullPdf => 2,
        };
        let s = match self.saturation {
            SaturationKind::Hill => 2,
            SaturationKind::Logistic => 1,
        };
        a + s
    }

    /// Maps `dim()` coordinates in `[0, 1]` to transforms.
    pub fn transforms(&self, u: &[f64]) -> Transforms {
        let lin = |v: f64, lo: f64, hi: f64| lo + (hi - lo) * v.clamp(0.0, 1.0);
        let log = |v: f64, lo: f64, hi: f64| (lin(v, lo.ln(), hi.ln())).exp();
        let (adstock, rest) = match self.adstock {
            AdstockKind::Geometric => {
                let alpha = if self.daily {
                    0.5_f64.powf(1.0 / log(u[0], DAILY_HALF_LIFE.0, DAILY_HALF_LIFE.1))
                } else {
                    lin(u[0], 0.0, ALPHA_MAX)
                };
                let max_lag = match self.window_cap {
                    Some(cap) => geometric_window(alpha, self.max_lag, cap),
                    None => self.max_lag,
                };
                (
                    Adstock::Geometric {
                        alpha,
                        max_lag,
                        normalized: self.normalized,
                    },
                    &u[1..],
                )
            }
            AdstockKind::WeibullCdf | AdstockKind::WeibullPdf => {
                let shape = log(u[0], 0.3, 5.0);
                let scale = log(u[1], 0.2, (self.max_lag as f64 / 2.0).max(0.5));
                let a = if self.adstock == AdstockKind::WeibullCdf {
                    Adstock::WeibullCdf {
                        shape,
                        scale,
                        max_lag: self.max_lag,
                        normalized: self.normalized,
                    }
                } else {
                    Adstock::WeibullPdf {
                        shape,
                        scale,
                        max_lag: self.max_lag,
                        normalized: self.normalized,
                    }
                };
                (a, &u[2..])
            }
        };
        let half = log(
            rest[0],
            HALF_MIN * self.typical_spend,
            HALF_MAX * self.typical_spend,
        );
        let saturation = match self.saturation {
            SaturationKind::Hill => Saturation::Hill {
                half,
                shape: lin(rest[1], 0.5, 3.0),
            },
            SaturationKind::Logistic => Saturation::Logistic { half },
        };
        (adstock, saturation)
    }
}

/// A lift test mapped onto period indices, with its row weight.
#[derive(Debug, Clone)]
pub(crate) struct LiftRow {
    pub channel: usize,
    pub first: usize,
    pub last: usize,
    pub lift: f64,
    /// The lift's standard error.
    pub std_error: f64,
    /// Weight of the pseudo-observation: residual standard deviation over the lift's standard
    /// error, so that it counts as a Gaussian observation with that error.
    pub weight: f64,
}

/// The regression problem for given hyperparameters: spend, outcome and baseline columns.
pub(crate) struct Problem<'a> {
    pub spend: Vec<&'a [f64]>,
    pub spaces: Vec<ChannelSpace>,
    /// Baseline columns over all periods (column-major).
    pub baseline: Vec<Vec<f64>>,
    pub n_train: usize,
    pub n_fit: usize,
    pub ridge: f64,
    pub lifts: Vec<LiftRow>,
    /// Weight of the validation rows in the objective.
    pub validation_weight: f64,
    /// Channel pairs `(i, j)`, `i < j`, with an interaction column `s_i · s_j`.
    pub pairs: Vec<(usize, usize)>,
    /// Relative ridge penalty on the interaction columns.
    pub interaction_ridge: f64,
    /// Weight of `Σ (ln shape)²` over Hill channels in the objective.
    pub hill_shape_prior: f64,
    /// `BᵀB` over the training rows and over all rows.
    base_gram_train: DMatrix<f64>,
    base_gram_all: DMatrix<f64>,
}

/// Coefficients for one set of hyperparameters: media β then baseline γ.
#[derive(Debug, Clone)]
pub(crate) struct Coefficients {
    pub beta: Vec<f64>,
    pub gamma: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn gram(cols: &[Vec<f64>], rows: usize) -> DMatrix<f64> {
    let q = cols.len();
    let mut g = DMatrix::zeros(q, q);
    for i in 0..q {
        for j in i..q {
            let v = dot(&cols[i][..rows], &cols[j][..rows]);
            g[(i, j)] = v;
            g[(j, i)] = v;
        }
    }
    g
}

impl<'a> Problem<'a> {
    pub fn new(
        spend: Vec<&'a [f64]>,
        spaces: Vec<ChannelSpace>,
        baseline: Vec<Vec<f64>>,
        n_train: usize,
        n_fit: usize,
        ridge: f64,
    ) -> Self {
        let n = spend.first().map_or(0, |s| s.len());
        let base_gram_train = gram(&baseline, n_train);
        let base_gram_all = gram(&baseline, n);
        Self {
            spend,
            spaces,
            baseline,
            n_train,
            n_fit,
            ridge,
            lifts: Vec::new(),
            validation_weight: 1.0,
            pairs: Vec::new(),
            interaction_ridge: 0.0,
            hill_shape_prior: 0.0,
            base_gram_train,
            base_gram_all,
        }
    }

    pub fn n(&self) -> usize {
        self.spend.first().map_or(0, |s| s.len())
    }

    pub fn dim(&self) -> usize {
        self.spaces.iter().map(ChannelSpace::dim).sum()
    }

    /// Splits a search point into per-channel transforms.
    pub fn transforms(&self, u: &[f64]) -> Vec<Transforms> {
        let mut out = Vec::with_capacity(self.spaces.len());
        let mut at = 0;
        for s in &self.spaces {
            out.push(s.transforms(&u[at..at + s.dim()]));
            at += s.dim();
        }
        out
    }

    /// The media columns over all periods: saturated adstocked spend per channel, then one
    /// product column per interacting pair.
    pub fn media_columns(&self, transforms: &[Transforms]) -> Vec<Vec<f64>> {
        let n = self.n();
        let mut cols: Vec<Vec<f64>> = self
            .spend
            .iter()
            .zip(transforms)
            .map(|(x, (a, s))| {
                let mut col = vec![0.0; n];
                a.apply_into(x, &mut col);
                col.iter_mut().for_each(|v| *v = s.value(*v));
                col
            })
            .collect();
        for &(i, j) in &self.pairs {
            let product = cols[i].iter().zip(&cols[j]).map(|(a, b)| a * b).collect();
            cols.push(product);
        }
        cols
    }

    /// Fits the coefficients on the first `rows` periods of `y` (plus the lift rows).
    pub fn solve(&self, media: &[Vec<f64>], y: &[f64], rows: usize) -> Result<Coefficients> {
        let k = media.len();
        let q = self.baseline.len();
        let p = k + q;
        let base = if rows == self.n_train {
            &self.base_gram_train
        } else if rows == self.n() {
            &self.base_gram_all
        } else {
            return Err(EngineError::invalid(
                "rows",
                "fits use the training rows or all rows",
            ));
        };
        let mut g = DMatrix::zeros(p, p);
        let mut b = DVector::zeros(p);
        for i in 0..k {
            for j in i..k {
                let v = dot(&media[i][..rows], &media[j][..rows]);
                g[(i, j)] = v;
                g[(j, i)] = v;
            }
            for j in 0..q {
                let v = dot(&media[i][..rows], &self.baseline[j][..rows]);
                g[(i, k + j)] = v;
                g[(k + j, i)] = v;
            }
            b[i] = dot(&media[i][..rows], &y[..rows]);
        }
        for i in 0..q {
            for j in 0..q {
                g[(k + i, k + j)] = base[(i, j)];
            }
            b[k + i] = dot(&self.baseline[i][..rows], &y[..rows]);
        }
        for l in &self.lifts {
            let s: f64 = media[l.channel][l.first..=l.last].iter().sum();
            let w2 = l.weight * l.weight;
            g[(l.channel, l.channel)] += w2 * s * s;
            b[l.channel] += w2 * s * l.lift;
        }
        let mut ridge = vec![self.ridge; p];
        let channels = k - self.pairs.len();
        ridge[channels..k]
            .iter_mut()
            .for_each(|r| *r = self.interaction_ridge);
        ridge[k] = 0.0; // the intercept is not penalized
        let mut nonneg = vec![false; p];
        nonneg[..k].iter_mut().for_each(|c| *c = true);
        let sol = nnls_ridge(&g, &b, &ridge, &nonneg)?;
        Ok(Coefficients {
            beta: sol.iter().take(k).copied().collect(),
            gamma: sol.iter().skip(k).copied().collect(),
        })
    }

    /// Predictions over all periods.
    pub fn predict(&self, media: &[Vec<f64>], c: &Coefficients) -> Vec<f64> {
        let n = self.n();
        let mut out = vec![0.0; n];
        for (col, b) in media.iter().zip(&c.beta) {
            out.iter_mut().zip(col).for_each(|(o, v)| *o += b * v);
        }
        for (col, g) in self.baseline.iter().zip(&c.gamma) {
            out.iter_mut().zip(col).for_each(|(o, v)| *o += g * v);
        }
        out
    }

    /// The search objective: squared error on the training rows (fitted) plus on the validation
    /// rows (predicted), plus the lift penalty, relative to the total sum of squares.
    pub fn objective(&self, u: &[f64], y: &[f64]) -> f64 {
        self.objective_of(&self.transforms(u), y)
    }

    /// [`Self::objective`] for explicit transforms.
    pub fn objective_of(&self, transforms: &[Transforms], y: &[f64]) -> f64 {
        let media = self.media_columns(transforms);
        let Ok(c) = self.solve(&media, y, self.n_train) else {
            return f64::MAX;
        };
        let pred = self.predict(&media, &c);
        let sq = |r: std::ops::Range<usize>| -> f64 {
            y[r.clone()]
                .iter()
                .zip(&pred[r])
                .map(|(a, b)| (a - b) * (a - b))
                .sum()
        };
        let mut sse = sq(0..self.n_train) + self.validation_weight * sq(self.n_train..self.n_fit);
        for l in &self.lifts {
            let s: f64 = media[l.channel][l.first..=l.last].iter().sum();
            let e = c.beta[l.channel] * s - l.lift;
            sse += l.weight * l.weight * e * e;
        }
        let mean = y[..self.n_fit].iter().sum::<f64>() / self.n_fit as f64;
        let sst: f64 = y[..self.n_fit]
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum();
        // A weak prior toward a Hill shape of 1 (Michaelis–Menten, concave from zero): without
        // it, S-shaped curves that hand the low-spend effect to the intercept win on noise.
        let shape_penalty: f64 = transforms
            .iter()
            .map(|(_, s)| match s {
                Saturation::Hill { shape, .. } => shape.ln().powi(2),
                Saturation::Logistic { .. } => 0.0,
            })
            .sum();
        let v = sse / sst.max(1e-300) + self.hill_shape_prior * shape_penalty;
        if v.is_finite() { v } else { f64::MAX }
    }
}

/// Search coordinates are unbounded; each maps to `[0, 1]` through a logistic function.
fn squash(z: &[f64]) -> Vec<f64> {
    z.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect()
}

fn unsquash(u: &[f64]) -> Vec<f64> {
    u.iter()
        .map(|v| {
            let v = v.clamp(1e-6, 1.0 - 1e-6);
            (v / (1.0 - v)).ln()
        })
        .collect()
}

struct Cost<'p, 'a> {
    problem: &'p Problem<'a>,
    y: &'p [f64],
}

impl CostFunction for Cost<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Self::Param) -> std::result::Result<f64, ArgminError> {
        Ok(self.problem.objective(&squash(z), self.y))
    }
}

/// The result of a search: the best point in `[0, 1]^dim` and its objective.
#[derive(Debug, Clone)]
pub(crate) struct SearchResult {
    pub u: Vec<f64>,
    pub objective: f64,
}

/// Runs Nelder–Mead from `u0` (in `[0, 1]^dim`) with an initial simplex of `step` in the
/// unbounded coordinates.
pub(crate) fn local_search(
    problem: &Problem<'_>,
    y: &[f64],
    u0: &[f64],
    step: f64,
    iters: u64,
) -> Result<SearchResult> {
    let z0 = unsquash(u0);
    let mut simplex = vec![z0.clone()];
    for i in 0..z0.len() {
        let mut v = z0.clone();
        v[i] += if v[i] > 0.0 { -step } else { step };
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-9)
        .map_err(|e| EngineError::NotConverged(e.to_string()))?;
    let res = Executor::new(Cost { problem, y }, solver)
        .configure(|s| s.max_iters(iters))
        .timer(false)
        .run()
        .map_err(|e| EngineError::NotConverged(format!("hyperparameter search: {e}")))?;
    let state = res.state();
    let best = state
        .get_best_param()
        .cloned()
        .ok_or_else(|| EngineError::NotConverged("the search found no point".into()))?;
    Ok(SearchResult {
        u: squash(&best),
        objective: state.get_best_cost(),
    })
}

/// Latin-hypercube sampling over the box, then Nelder–Mead from the best distinct samples.
/// Deterministic for `seed`.
pub(crate) fn global_search(
    problem: &Problem<'_>,
    y: &[f64],
    config: &ModelConfig,
    seed: u64,
) -> Result<SearchResult> {
    let dim = problem.dim();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let samples = (config.search.samples_per_dim * dim).max(config.search.starts);
    // Latin hypercube: each coordinate takes one value from each of `samples` strata.
    let mut columns: Vec<Vec<f64>> = (0..dim)
        .map(|_| {
            let mut strata: Vec<f64> = (0..samples)
                .map(|i| (i as f64 + rng.random_range(0.0..1.0)) / samples as f64)
                .collect();
            strata.shuffle(&mut rng);
            strata
        })
        .collect();
    // Keep the sampled values off the box's edges, where the logistic map is flat.
    for col in &mut columns {
        col.iter_mut().for_each(|v| *v = 0.02 + 0.96 * *v);
    }
    let mut scored: Vec<(f64, Vec<f64>)> = (0..samples)
        .map(|i| {
            let u: Vec<f64> = columns.iter().map(|c| c[i]).collect();
            (problem.objective(&u, y), u)
        })
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let iters = (config.search.iters_per_dim * dim) as u64;
    let mut best: Option<SearchResult> = None;
    for (_, u0) in scored.iter().take(config.search.starts) {
        let mut r = local_search(problem, y, u0, 1.0, iters)?;
        // One restart from the optimum refreshes a collapsed simplex.
        let again = local_search(problem, y, &r.u, 0.3, iters / 2)?;
        if again.objective < r.objective {
            r = again;
        }
        if best.as_ref().is_none_or(|b| r.objective < b.objective) {
            best = Some(r);
        }
    }
    best.ok_or_else(|| EngineError::NotConverged("no search start".into()))
}
