//! f64 reference implementations, for tests and benchmarks only (never
//! linked into the program).
//!
//! - [`norm_cdf`]: a slow, near-exact Φ (power series below |x| = 5,
//!   continued fraction above; absolute error ~1e-16), checked against
//!   mpmath values in `tests/accuracy.rs`.
//! - [`black_scholes`]: price and Greeks with the same conventions as
//!   `black76` (365-day year, no carry, per unit of underlying).
//! - [`FastCdf`] and [`series_risk_f64`]: the same algorithm as the
//!   fixed-point series refresh, in f64 with a table-driven Φ, so that the
//!   benchmark compares like with like.
#![allow(dead_code)]

use std::f64::consts::PI;

/// unit: seconds. Same year as `black76::SECONDS_PER_YEAR`.
pub const SECONDS_PER_YEAR: f64 = 31_536_000.0;

/// φ(x).
pub fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Φ(x), absolute error ~1e-16 (reference quality, slow).
pub fn norm_cdf(x: f64) -> f64 {
    let a = x.abs();
    if a < 5.0 {
        // Φ(x) = 1/2 + φ(x) Σ x^{2n+1} / (2n+1)!!  (all terms share x's sign).
        let mut term = x;
        let mut sum = x;
        let x2 = x * x;
        for n in 1..400 {
            term *= x2 / (2 * n + 1) as f64;
            sum += term;
            if term.abs() < 1e-18 * sum.abs() {
                break;
            }
        }
        0.5 + norm_pdf(x) * sum
    } else {
        // Q(a) = φ(a) / (a + 1/(a + 2/(a + 3/(a + …)))), evaluated backwards.
        let mut frac = 0.0;
        for k in (1..=300).rev() {
            frac = k as f64 / (a + frac);
        }
        let q = norm_pdf(a) / (a + frac);
        if x > 0.0 {
            1.0 - q
        } else {
            q
        }
    }
}

/// Price and Greeks per unit of underlying (f64).
#[derive(Clone, Copy, Debug, Default)]
pub struct RefGreeks {
    /// USD per underlying unit.
    pub price: f64,
    pub delta: f64,
    /// per USD.
    pub gamma: f64,
    /// USD per 1.00 of σ.
    pub vega: f64,
    /// USD per year.
    pub theta: f64,
}

/// Black–Scholes without carry (= Black-76 on F = S e^{rT}); `t_years > 0`.
pub fn black_scholes(is_call: bool, s: f64, k: f64, sigma: f64, r: f64, t_years: f64) -> RefGreeks {
    let sqrt_t = t_years.sqrt();
    let v = sigma * sqrt_t;
    let d1 = ((s / k).ln() + r * t_years) / v + 0.5 * v;
    let d2 = d1 - v;
    let disc = (-r * t_years).exp();
    let pdf1 = norm_pdf(d1);
    let gamma = pdf1 / (s * v);
    let vega = s * pdf1 * sqrt_t;
    let decay = -s * pdf1 * sigma / (2.0 * sqrt_t);
    if is_call {
        let n1 = norm_cdf(d1);
        let n2 = norm_cdf(d2);
        RefGreeks {
            price: s * n1 - k * disc * n2,
            delta: n1,
            gamma,
            vega,
            theta: decay - r * k * disc * n2,
        }
    } else {
        let m1 = norm_cdf(-d1);
        let m2 = norm_cdf(-d2);
        RefGreeks {
            price: k * disc * m2 - s * m1,
            delta: -m1,
            gamma,
            vega,
            theta: decay + r * k * disc * m2,
        }
    }
}

/// Table-driven Φ in f64: the fixed-point algorithm (Taylor around the nearest
/// multiple of 1/8, 7 Hermite terms), used as the like-for-like f64 baseline.
pub struct FastCdf {
    base: [f64; 69],
    coef: [[f64; 7]; 69],
}

impl Default for FastCdf {
    fn default() -> Self {
        Self::new()
    }
}

impl FastCdf {
    pub fn new() -> Self {
        let mut base = [0.0; 69];
        let mut coef = [[0.0; 7]; 69];
        for i in 0..69 {
            let c = i as f64 / 8.0;
            base[i] = norm_cdf(c);
            let pdf = norm_pdf(c);
            let mut he = [0.0f64; 7];
            he[0] = 1.0;
            he[1] = c;
            for n in 1..6 {
                he[n + 1] = c * he[n] - n as f64 * he[n - 1];
            }
            let mut fact = 1.0;
            for n in 0..7 {
                fact *= (n + 1) as f64;
                let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
                coef[i][n] = sign * he[n] * pdf / fact;
            }
        }
        Self { base, coef }
    }

    #[inline]
    pub fn cdf(&self, x: f64) -> f64 {
        let a = x.abs();
        let up = if a >= 8.5 {
            1.0
        } else {
            let i = (a * 8.0 + 0.5) as usize;
            let h = a - i as f64 / 8.0;
            let c = &self.coef[i];
            let mut acc = c[6];
            for n in (0..6).rev() {
                acc = c[n] + h * acc;
            }
            self.base[i] + h * acc
        };
        if x >= 0.0 {
            up
        } else {
            1.0 - up
        }
    }
}

/// [`black_scholes`] with the table-driven Φ: the f64 baseline of one
/// price + Greeks evaluation in the benchmark.
pub fn black_scholes_fast(
    cdf: &FastCdf,
    is_call: bool,
    s: f64,
    k: f64,
    sigma: f64,
    r: f64,
    t_years: f64,
) -> RefGreeks {
    let sqrt_t = t_years.sqrt();
    let v = sigma * sqrt_t;
    let d1 = ((s / k).ln() + r * t_years) / v + 0.5 * v;
    let disc = (-r * t_years).exp();
    let n1 = cdf.cdf(d1);
    let n2 = cdf.cdf(d1 - v);
    let pdf1 = norm_pdf(d1);
    let decay = -s * pdf1 * sigma / (2.0 * sqrt_t);
    let kd = k * disc;
    let (price, delta, carry) = if is_call {
        (s * n1 - kd * n2, n1, -r * kd * n2)
    } else {
        (
            kd * (1.0 - n2) - s * (1.0 - n1),
            n1 - 1.0,
            r * kd * (1.0 - n2),
        )
    };
    RefGreeks {
        price,
        delta,
        gamma: pdf1 / (s * v),
        vega: s * pdf1 * sqrt_t,
        theta: decay + carry,
    }
}

/// Inputs of the f64 series refresh (mirror of `SeriesParams` + `MarketInputs`).
#[derive(Clone, Copy, Debug)]
pub struct SeriesF64 {
    pub is_call: bool,
    /// USD per underlying unit.
    pub strike: f64,
    /// underlying units per contract.
    pub contract_size: f64,
    /// USD per underlying unit.
    pub spot: f64,
    pub vol: f64,
    pub rate: f64,
    /// unit: seconds (> 0).
    pub secs: f64,
}

/// Output of the f64 series refresh: per contract, USD (not rounded).
#[derive(Clone, Copy, Debug, Default)]
pub struct SeriesRiskF64 {
    pub values: [f64; 27],
    pub mark: f64,
    /// underlying units per contract.
    pub delta: f64,
    /// delta change per +1% spot, underlying units per contract.
    pub gamma_1pct: f64,
    /// USD per contract per vol point.
    pub vega_1pt: f64,
    /// USD per contract per day.
    pub theta_day: f64,
}

/// The f64 twin of `series_risk` on a grid (shocks in bps), with the same
/// hoisting: ln K, √T, e^{−rT} per series; v, 1/v per vol; ln S' per spot.
pub fn series_risk_f64(
    cdf: &FastCdf,
    p: &SeriesF64,
    spot_bps: &[i32],
    vol_bps: &[i32],
) -> SeriesRiskF64 {
    let t = p.secs / SECONDS_PER_YEAR;
    let sqrt_t = t.sqrt();
    let rt = p.rate * t;
    let kd = p.strike * (-rt).exp();
    let ln_k = p.strike.ln();
    let mut out = SeriesRiskF64::default();
    let mut vs = [(0.0f64, 0.0f64, 0.0f64); 3];
    for (slot, &b) in vs.iter_mut().zip(vol_bps) {
        let sigma = (p.vol * (1.0 + b as f64 / 1e4)).clamp(0.01, 5.0);
        let v = sigma * sqrt_t;
        *slot = (sigma, v, 1.0 / v);
    }
    for (i, &sb) in spot_bps.iter().enumerate() {
        let s = p.spot * (1.0 + sb as f64 / 1e4);
        let num = s.ln() - ln_k + rt;
        for (j, &(sigma, v, inv_v)) in vs.iter().enumerate().take(vol_bps.len()) {
            let d1 = num * inv_v + 0.5 * v;
            let n1 = cdf.cdf(d1);
            let n2 = cdf.cdf(d1 - v);
            let price = if p.is_call {
                s * n1 - kd * n2
            } else {
                kd * (1.0 - n2) - s * (1.0 - n1)
            };
            out.values[i * 3 + j] = price.max(0.0) * p.contract_size;
            if sb == 0 && vol_bps[j] == 0 {
                let pdf1 = norm_pdf(d1);
                let sp = s * pdf1;
                let carry = if p.is_call {
                    -p.rate * kd * n2
                } else {
                    p.rate * kd * (1.0 - n2)
                };
                out.mark = out.values[i * 3 + j];
                out.delta = if p.is_call { n1 } else { n1 - 1.0 } * p.contract_size;
                out.gamma_1pct = pdf1 * inv_v * 0.01 * p.contract_size;
                out.vega_1pt = sp * sqrt_t * 0.01 * p.contract_size;
                out.theta_day =
                    (carry - sp * sigma * sigma * inv_v * 0.5) / 365.0 * p.contract_size;
            }
        }
    }
    out
}
