//! Ridge regression with non-negativity on chosen coefficients, on the normal equations.
//!
//! Minimizes `‖y − Xβ‖² + Σ_j λ_j (x_jᵀx_j) β_j²` subject to `β_j ≥ 0` for the constrained
//! columns. The penalty is relative to each column's own sum of squares, so it does not depend
//! on units. The solver is the Lawson–Hanson active-set method applied to the quadratic program,
//! with Cholesky solves (nalgebra) on the free set; it terminates in finitely many steps.

use nalgebra::{DMatrix, DVector};

use crate::error::{EngineError, Result};

/// Solves the penalized, sign-constrained least squares problem given `G = XᵀX` and `b = Xᵀy`.
///
/// `ridge[j]` is the relative penalty `λ_j` of column `j`; `nonneg[j]` constrains `β_j ≥ 0`.
pub fn nnls_ridge(
    gram: &DMatrix<f64>,
    rhs: &DVector<f64>,
    ridge: &[f64],
    nonneg: &[bool],
) -> Result<DVector<f64>> {
    let p = rhs.len();
    if gram.nrows() != p || gram.ncols() != p || ridge.len() != p || nonneg.len() != p {
        return Err(EngineError::invalid(
            "design",
            "gram, rhs, ridge and constraint sizes disagree",
        ));
    }
    if gram.iter().any(|v| !v.is_finite()) || rhs.iter().any(|v| !v.is_finite()) {
        return Err(EngineError::invalid("design", "contains non-finite values"));
    }
    // Work on unit-scaled columns (`d_j = ‖x_j‖`), so that columns of very different sizes (a
    // control in millions next to a saturated channel in [0, 1)) do not spoil the conditioning.
    // A column that is all zero keeps scale 1 and gets a coefficient of 0.
    let d: Vec<f64> = (0..p)
        .map(|j| {
            let g = gram[(j, j)];
            if g > 0.0 { g.sqrt() } else { 1.0 }
        })
        .collect();
    let mut h = DMatrix::from_fn(p, p, |r, c| gram[(r, c)] / (d[r] * d[c]));
    let rhs = &DVector::from_fn(p, |r, _| rhs[r] / d[r]);
    for j in 0..p {
        // On the unit scale the relative ridge is just λ_j; a tiny jitter keeps exactly
        // collinear columns solvable.
        h[(j, j)] = if gram[(j, j)] > 0.0 {
            h[(j, j)] + ridge[j] + 1e-10
        } else {
            1.0
        };
    }

    let mut passive: Vec<bool> = nonneg.iter().map(|c| !c).collect();
    let mut beta = DVector::zeros(p);
    if passive.iter().any(|x| *x) {
        beta = solve_on(&h, rhs, &passive)?;
    }
    let tol = 1e-12 * rhs.amax().max(1.0);
    for _ in 0..(3 * p + 10) {
        // Negative gradient of ½βᵀHβ − bᵀβ.
        let w = rhs - &h * &beta;
        let candidate = (0..p)
            .filter(|&j| nonneg[j] && !passive[j] && w[j] > tol)
            .max_by(|&a, &b| w[a].total_cmp(&w[b]));
        let Some(j) = candidate else {
            return Ok(DVector::from_fn(p, |r, _| beta[r] / d[r]));
        };
        passive[j] = true;
        // Inner loop: move toward the free-set solution, dropping coefficients that hit zero.
        for _ in 0..(p + 1) {
            let z = solve_on(&h, rhs, &passive)?;
            let blocked: Vec<usize> = (0..p)
                .filter(|&i| passive[i] && nonneg[i] && z[i] <= 0.0)
                .collect();
            if blocked.is_empty() {
                beta = z;
                break;
            }
            let step = blocked
                .iter()
                .map(|&i| {
                    let d = beta[i] - z[i];
                    if d > 0.0 { beta[i] / d } else { 0.0 }
                })
                .fold(1.0_f64, f64::min);
            beta += (&z - &beta) * step;
            for i in 0..p {
                if passive[i] && nonneg[i] && beta[i] <= 1e-14 * (1.0 + z[i].abs()) {
                    passive[i] = false;
                    beta[i] = 0.0;
                }
            }
        }
    }
    Err(EngineError::NotConverged(
        "the non-negative ridge solver exceeded its iteration limit".into(),
    ))
}

/// Solves `H_PP β_P = b_P` with the other coefficients at zero.
fn solve_on(h: &DMatrix<f64>, rhs: &DVector<f64>, passive: &[bool]) -> Result<DVector<f64>> {
    let idx: Vec<usize> = (0..passive.len()).filter(|&j| passive[j]).collect();
    let m = idx.len();
    let mut out = DVector::zeros(passive.len());
    if m == 0 {
        return Ok(out);
    }
    let sub = DMatrix::from_fn(m, m, |r, c| h[(idx[r], idx[c])]);
    let rhs_sub = DVector::from_fn(m, |r, _| rhs[idx[r]]);
    let chol = sub.cholesky().ok_or_else(|| {
        EngineError::NotConverged("the regression's normal matrix is not positive definite".into())
    })?;
    let sol = chol.solve(&rhs_sub);
    for (r, &j) in idx.iter().enumerate() {
        out[j] = sol[r];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_least_squares_when_constraints_are_slack_and_clamps_otherwise() {
        // y = 2 x0 − 1 x1 + 3, columns x0, x1, intercept.
        let xs: Vec<[f64; 3]> = (0..20)
            .map(|i| {
                let t = i as f64;
                [t.sin() + 1.5, (0.3 * t).cos(), 1.0]
            })
            .collect();
        let y: Vec<f64> = xs.iter().map(|r| 2.0 * r[0] - r[1] + 3.0).collect();
        let mut g = DMatrix::zeros(3, 3);
        let mut b = DVector::zeros(3);
        for (r, yv) in xs.iter().zip(&y) {
            for i in 0..3 {
                b[i] += r[i] * yv;
                for j in 0..3 {
                    g[(i, j)] += r[i] * r[j];
                }
            }
        }
        let free = nnls_ridge(&g, &b, &[0.0; 3], &[false; 3]).unwrap();
        assert!((free[0] - 2.0).abs() < 1e-6 && (free[1] + 1.0).abs() < 1e-6);
        let cons = nnls_ridge(&g, &b, &[0.0; 3], &[true, true, false]).unwrap();
        assert!(cons[1].abs() < 1e-12 && cons[0] > 0.0);
        // KKT: the clamped coefficient's gradient points outward.
        let w = &b - &g * &cons;
        assert!(w[1] <= 1e-8 && w[0].abs() < 1e-6 && w[2].abs() < 1e-6);
    }
}
