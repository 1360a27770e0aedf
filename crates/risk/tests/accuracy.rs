//! Accuracy of the fixed-point math and pricer against the f64 reference.
//!
//! Each test asserts the documented bound and prints the worst error it saw
//! (`cargo test -p options-margin-risk --test accuracy -- --nocapture`).

#[path = "common/reference.rs"]
mod reference;

use options_margin_risk::black76::{price_and_greeks, OptionInputs, SECONDS_PER_YEAR};
use options_margin_risk::fixed::FixedE12;
use options_margin_risk::math::{exp, ln, norm_cdf, norm_pdf, sqrt_floor};
use options_margin_risk::series::{series_risk, MarketInputs, SeriesParams};
use options_margin_risk::ScenarioGrid;

const E12: f64 = 1e12;

fn to_f64(x: FixedE12) -> f64 {
    x.raw() as f64 / E12
}

/// Deterministic xorshift64* in [0, 1).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Worst observed error and where.
#[derive(Default)]
struct Worst {
    err: f64,
    at: String,
}
impl Worst {
    fn see(&mut self, err: f64, at: impl FnOnce() -> String) {
        if err > self.err {
            self.err = err;
            self.at = at();
        }
    }
}

#[test]
fn reference_cdf_matches_mpmath() {
    // Φ at 30 digits (mpmath).
    let cases = [
        (1.0, 0.841_344_746_068_542_9),
        (-3.0, 0.001_349_898_031_630_094_5),
        (-5.5, 1.898_956_246_588_772e-8),
        (-6.0, 9.865_876_450_376_98e-10),
        (-8.0, 6.220_960_574_271_784e-16),
        (-10.0, 7.619_853_024_160_5e-24),
        (0.3, 0.617_911_422_188_952_6),
        (2.5, 0.993_790_334_674_224),
        (4.9, 0.999_999_520_816_723_4),
        (5.1, 0.999_999_830_173_259_3),
    ];
    for (x, want) in cases {
        let got = reference::norm_cdf(x);
        assert!(
            (got - want).abs() <= 2e-16 + 1e-13 * want,
            "x={x}: {got:e} vs {want:e}"
        );
    }
}

#[test]
fn exp_within_bound() {
    let mut worst = Worst::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for k in 0..200_000 {
        let raw = if k < 100_000 {
            ((rng.next() * 80.0 - 40.0) * E12) as i128
        } else {
            ((rng.next() * 2.0 - 1.0) * E12) as i128
        };
        let x = raw as f64 / E12;
        let got = to_f64(exp(FixedE12(raw)).unwrap());
        let want = x.exp();
        let bound = 3e-12 * want + 2e-12;
        let err = (got - want).abs();
        assert!(err <= bound, "exp({x}) = {got} vs {want}");
        worst.see(err / bound, || format!("x={x}"));
    }
    println!(
        "exp: worst error / bound = {:.3} at {}",
        worst.err, worst.at
    );
}

#[test]
fn ln_within_bound() {
    let mut worst = Worst::default();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for k in 0..200_000 {
        // log-uniform raw in [1, 1e32], plus a dense band around 1.0.
        let raw = if k < 150_000 {
            10f64.powf(rng.next() * 32.0) as i128
        } else {
            ((0.5 + rng.next() * 1.5) * E12) as i128
        }
        .max(1);
        let got = to_f64(ln(FixedE12(raw)).unwrap());
        let want = (raw as f64).ln() - E12.ln();
        let err = (got - want).abs();
        assert!(err <= 2e-12, "ln(raw {raw}) = {got} vs {want}");
        worst.see(err, || format!("raw={raw}"));
    }
    println!("ln: worst abs error = {:.3e} at {}", worst.err, worst.at);
}

#[test]
fn sqrt_relative_error() {
    let mut rng = Rng(77);
    let mut worst = Worst::default();
    for _ in 0..50_000 {
        let raw = 10f64.powf(rng.next() * 30.0) as i128;
        let got = to_f64(sqrt_floor(FixedE12(raw)).unwrap());
        let want = (raw as f64 / E12).sqrt();
        let err = (got - want).abs();
        assert!(err <= 1e-12 + 1e-13 * want, "sqrt(raw {raw})");
        worst.see(err, || format!("raw={raw}"));
    }
    println!("sqrt: worst abs error = {:.3e} at {}", worst.err, worst.at);
}

#[test]
fn norm_cdf_and_pdf_within_bound() {
    let mut cdf_worst = Worst::default();
    let mut pdf_worst = Worst::default();
    let mut rng = Rng(0xdead_beef);
    for k in 0..400_000 {
        let x = if k < 300_000 {
            rng.next() * 24.0 - 12.0
        } else {
            rng.next() * 80.0 - 40.0
        };
        let raw = (x * E12) as i128;
        let x = raw as f64 / E12;
        let got = to_f64(norm_cdf(FixedE12(raw)).unwrap());
        let want = reference::norm_cdf(x);
        let err = (got - want).abs();
        assert!(err <= 2e-12, "Φ({x}) = {got:e} vs {want:e}");
        cdf_worst.see(err, || format!("x={x}"));

        let got = to_f64(norm_pdf(FixedE12(raw)).unwrap());
        let want = reference::norm_pdf(x);
        let err = (got - want).abs();
        assert!(err <= 2e-12 + 3e-12 * want, "φ({x}) = {got:e} vs {want:e}");
        pdf_worst.see(err, || format!("x={x}"));
    }
    println!(
        "norm_cdf: worst abs error = {:.3e} at {}",
        cdf_worst.err, cdf_worst.at
    );
    println!(
        "norm_pdf: worst abs error = {:.3e} at {}",
        pdf_worst.err, pdf_worst.at
    );
}

/// Worst errors of the pricer over the target grid, normalised as asserted.
#[derive(Default)]
struct PricerWorst {
    price_over_spot: Worst,
    delta: Worst,
    gamma_rel: Worst,
    gamma_abs: Worst,
    gamma_field: Worst,
    vega_rel: Worst,
    vega_abs: Worst,
    theta_over_spot: Worst,
}

/// Absolute floors below which gamma/vega are judged by absolute error:
/// `S·Γ` (dimensionless) and `vega/S` (per 1.00 of σ).
const GAMMA_SPOT_ABS: f64 = 1e-9;
const VEGA_OVER_SPOT_ABS: f64 = 1e-10;

#[test]
fn pricer_accuracy_over_grid() {
    let moneyness = [
        0.25, 0.4, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0,
    ];
    let hours = [
        1.0,
        6.0,
        24.0,
        24.0 * 7.0,
        24.0 * 30.0,
        24.0 * 90.0,
        24.0 * 182.0,
        24.0 * 365.0,
        24.0 * 730.0,
    ];
    let vols: [f64; 10] = [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0];
    let rates = [-0.05, 0.0, 0.05, 0.2];
    let spots = [0.5, 100.0, 63_250.123_456];
    let mut w = PricerWorst::default();
    let mut n = 0;
    for &spot in &spots {
        let spot_e12 = (spot * E12).round() as u64;
        let s = spot_e12 as f64 / E12;
        for &m in &moneyness {
            let strike_e12 = (spot * m * E12).round() as u64;
            let k = strike_e12 as f64 / E12;
            for &h in &hours {
                let secs = (h * 3600.0) as i64;
                let t = secs as f64 / SECONDS_PER_YEAR as f64;
                for &vol in &vols {
                    let vol_e6 = (vol * 1e6f64).round() as u32;
                    for &rate in &rates {
                        let rate_e6 = (rate * 1e6f64).round() as i64;
                        for is_call in [true, false] {
                            let inputs = OptionInputs {
                                is_call,
                                spot_e12,
                                strike_e12,
                                vol_e6,
                                rate_e6,
                                time_to_expiry_secs: secs,
                            };
                            let g = price_and_greeks(&inputs).unwrap();
                            let r = reference::black_scholes(is_call, s, k, vol, rate, t);
                            check_point(&mut w, &inputs, &g, &r, s);
                            n += 1;
                        }
                    }
                }
            }
        }
    }
    println!("pricer: {n} points (K/S 0.25..4, T 1h..2y, σ 5..300%, r -5..20%, S 0.5/100/63250)");
    println!(
        "  price error / spot      worst {:.3e}  at {}",
        w.price_over_spot.err, w.price_over_spot.at
    );
    println!(
        "  delta abs error         worst {:.3e}  at {}",
        w.delta.err, w.delta.at
    );
    println!(
        "  S·Γ relative error      worst {:.3e}  at {}  (where S·Γ > {GAMMA_SPOT_ABS:e}/1e-4)",
        w.gamma_rel.err, w.gamma_rel.at
    );
    println!(
        "  S·Γ abs error (rest)    worst {:.3e}  at {}",
        w.gamma_abs.err, w.gamma_abs.at
    );
    println!(
        "  Γ (per USD) err / tol   worst {:.3e}  at {}",
        w.gamma_field.err, w.gamma_field.at
    );
    println!("  vega relative error     worst {:.3e}  at {}  (where vega/S > {VEGA_OVER_SPOT_ABS:e}/1e-4)", w.vega_rel.err, w.vega_rel.at);
    println!(
        "  vega/S abs error (rest) worst {:.3e}  at {}",
        w.vega_abs.err, w.vega_abs.at
    );
    println!(
        "  theta error / spot      worst {:.3e}  at {}",
        w.theta_over_spot.err, w.theta_over_spot.at
    );
}

fn check_point(
    w: &mut PricerWorst,
    i: &OptionInputs,
    g: &options_margin_risk::black76::Greeks,
    r: &reference::RefGreeks,
    s: f64,
) {
    let at = || format!("{i:?}");
    let price_err = (to_f64(g.price) - r.price).abs() / s;
    assert!(
        price_err <= 1e-6,
        "price {i:?}: {} vs {}",
        to_f64(g.price),
        r.price
    );
    w.price_over_spot.see(price_err, at);

    let delta_err = (to_f64(g.delta) - r.delta).abs();
    assert!(delta_err <= 1e-6, "delta {i:?}");
    w.delta.see(delta_err, at);

    // Gamma through the reported per-USD field, scaled back by S.
    let gs_ref = r.gamma * s;
    let gs_err = (to_f64(g.gamma) * s - gs_ref).abs();
    let gs_spot_err = (to_f64(g.gamma_spot) - gs_ref).abs();
    let gs_tol = (1e-4 * gs_ref).max(GAMMA_SPOT_ABS + 1e-12 * s);
    assert!(
        gs_err <= gs_tol && gs_spot_err <= gs_tol,
        "gamma {i:?}: {gs_err:e} / {gs_spot_err:e}"
    );
    if gs_ref * 1e-4 > GAMMA_SPOT_ABS {
        w.gamma_rel.see(gs_spot_err / gs_ref, at);
    } else {
        w.gamma_abs.see(gs_spot_err, at);
    }
    // The per-USD field: its own resolution is 1e-12 per USD.
    w.gamma_field.see(
        (to_f64(g.gamma) - r.gamma).abs() / (1e-4 * r.gamma).max(1e-12 + GAMMA_SPOT_ABS / s),
        at,
    );

    let vs_ref = r.vega / s;
    let vs_err = (to_f64(g.vega) / s - vs_ref).abs();
    assert!(
        vs_err <= (1e-4 * vs_ref).max(VEGA_OVER_SPOT_ABS),
        "vega {i:?}: {vs_err:e}"
    );
    if vs_ref * 1e-4 > VEGA_OVER_SPOT_ABS {
        w.vega_rel.see(vs_err / vs_ref, at);
    } else {
        w.vega_abs.see(vs_err, at);
    }

    let th_err = (to_f64(g.theta) - r.theta).abs() / s;
    assert!(
        th_err <= 1e-6 * (1.0 + r.theta.abs() / s),
        "theta {i:?}: {th_err:e}"
    );
    w.theta_over_spot.see(th_err, at);
}

#[test]
fn series_risk_matches_f64_twin() {
    let cdf = reference::FastCdf::new();
    let grid = ScenarioGrid::default_grid();
    let now = 1_700_000_000;
    let mut worst_native = 0f64;
    let mut worst_rel = 0f64;
    for (spot, strike) in [
        (60_000.0, 60_000.0),
        (60_000.0, 45_000.0),
        (2_500.0, 4_000.0),
        (1.25, 1.0),
    ] {
        for days in [1, 7, 30, 180, 700] {
            for is_call in [true, false] {
                let series = SeriesParams {
                    is_call,
                    strike_e12: (strike * E12) as u64,
                    expiry_ts: now + days * 86_400,
                    contract_size_e6: 1_000_000,
                    short_floor_mm_bps: 0,
                    short_floor_im_bps: 0,
                };
                let market = MarketInputs {
                    spot_e12: (spot * E12) as u64,
                    vol_e6: 700_000,
                    rate_e6: 45_000,
                    now_ts: now,
                };
                let r = series_risk(&series, &grid, &market).unwrap();
                let p = reference::SeriesF64 {
                    is_call,
                    strike,
                    contract_size: 1.0,
                    spot,
                    vol: 0.7,
                    rate: 0.045,
                    secs: (days * 86_400) as f64,
                };
                let f = reference::series_risk_f64(
                    &cdf,
                    &p,
                    &grid.spot_shocks_bps,
                    &grid.vol_shocks_bps,
                );
                for k in 0..27 {
                    // native = 1e-6 USD; fixed floors, so allow 1 native of rounding.
                    let err = (r.scenario_values_native[k] as f64 / 1e6 - f.values[k]).abs();
                    assert!(err <= 1e-6 * spot + 1e-6, "{series:?} k={k}: {err}");
                    worst_native = worst_native.max(err * 1e6);
                    worst_rel = worst_rel.max(err / spot);
                }
                assert!((r.delta_e9 as f64 / 1e9 - f.delta).abs() <= 1e-6);
                assert!(
                    (r.gamma_e9 as f64 / 1e9 - f.gamma_1pct).abs()
                        <= 1e-4 * f.gamma_1pct.abs() + 2e-9
                );
                assert!(
                    (r.vega_native as f64 / 1e6 - f.vega_1pt).abs()
                        <= 1e-4 * f.vega_1pt.abs() + 2e-6
                );
                assert!(
                    (r.theta_native as f64 / 1e6 - f.theta_day).abs()
                        <= 1e-4 * f.theta_day.abs() + 2e-6
                );
            }
        }
    }
    println!("series_risk vs f64 twin (1 contract = 1 unit): worst scenario error {worst_native:.3} native (floor included), {worst_rel:.3e} of spot");
}
