//! One full `series_risk` refresh (27 scenarios + Greeks on the default grid)
//! and one price + Greeks evaluation, fixed point vs an f64 twin of the same
//! algorithm, in the same run. Prints the fixed/f64 ratios and, when built
//! with `--features op-count`, the operation counts of one refresh:
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-risk cargo bench -p options-margin-risk --bench series
//! CARGO_TARGET_DIR=/work/target-risk cargo bench -p options-margin-risk --bench series --features op-count
//! ```
//! (Timings under `op-count` include the atomic increments; use the plain run for time.)

#[path = "../tests/common/reference.rs"]
mod reference;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use options_margin_risk::black76::{price_and_greeks, OptionInputs};
use options_margin_risk::fixed::{op_counts, reset_op_counts};
use options_margin_risk::series::{series_risk, MarketInputs, SeriesParams};
use options_margin_risk::ScenarioGrid;

const NOW: i64 = 1_700_000_000;
const USD: u64 = 1_000_000_000_000;

fn fixed_inputs() -> (SeriesParams, ScenarioGrid, MarketInputs) {
    let series = SeriesParams {
        is_call: true,
        strike_e12: 65_000 * USD,
        expiry_ts: NOW + 30 * 86_400,
        contract_size_e6: 100_000,
        short_floor_mm_bps: 1_000,
        short_floor_im_bps: 1_500,
    };
    let market = MarketInputs {
        spot_e12: 61_234 * USD + USD / 3,
        vol_e6: 650_000,
        rate_e6: 45_000,
        now_ts: NOW,
    };
    (series, ScenarioGrid::default_grid(), market)
}

fn f64_inputs() -> reference::SeriesF64 {
    reference::SeriesF64 {
        is_call: true,
        strike: 65_000.0,
        contract_size: 0.1,
        spot: 61_234.0 + 1.0 / 3.0,
        vol: 0.65,
        rate: 0.045,
        secs: 30.0 * 86_400.0,
    }
}

fn option_inputs() -> OptionInputs {
    let (s, _, m) = fixed_inputs();
    OptionInputs {
        is_call: true,
        spot_e12: m.spot_e12,
        strike_e12: s.strike_e12,
        vol_e6: m.vol_e6,
        rate_e6: m.rate_e6,
        time_to_expiry_secs: s.expiry_ts - NOW,
    }
}

/// Median ns per call over `rounds` rounds of `iters` calls.
fn median_ns(mut f: impl FnMut(), iters: u32, rounds: usize) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(iters)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[rounds / 2]
}

fn main() {
    let (series, grid, market) = fixed_inputs();
    let p = f64_inputs();
    let cdf = reference::FastCdf::new();
    let opt = option_inputs();
    let t_years = opt.time_to_expiry_secs as f64 / reference::SECONDS_PER_YEAR;

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    {
        let mut g = c.benchmark_group("series_refresh");
        g.bench_function("fixed", |b| {
            b.iter(|| series_risk(black_box(&series), black_box(&grid), black_box(&market)))
        });
        g.bench_function("f64", |b| {
            b.iter(|| {
                reference::series_risk_f64(
                    &cdf,
                    black_box(&p),
                    &grid.spot_shocks_bps,
                    &grid.vol_shocks_bps,
                )
            })
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("price_greeks");
        g.bench_function("fixed", |b| b.iter(|| price_and_greeks(black_box(&opt))));
        g.bench_function("f64", |b| {
            b.iter(|| {
                reference::black_scholes_fast(
                    &cdf,
                    true,
                    black_box(p.spot),
                    p.strike,
                    p.vol,
                    p.rate,
                    t_years,
                )
            })
        });
        g.finish();
    }
    c.final_summary();

    // Same-run ratio, measured side by side with a plain timer.
    let fixed_series = median_ns(
        || {
            let _ = black_box(series_risk(black_box(&series), &grid, &market));
        },
        2_000,
        31,
    );
    let f64_series = median_ns(
        || {
            black_box(reference::series_risk_f64(
                &cdf,
                black_box(&p),
                &grid.spot_shocks_bps,
                &grid.vol_shocks_bps,
            ));
        },
        2_000,
        31,
    );
    let fixed_one = median_ns(
        || {
            let _ = black_box(price_and_greeks(black_box(&opt)));
        },
        20_000,
        31,
    );
    let f64_one = median_ns(
        || {
            black_box(reference::black_scholes_fast(
                &cdf,
                true,
                black_box(p.spot),
                p.strike,
                p.vol,
                p.rate,
                t_years,
            ));
        },
        20_000,
        31,
    );
    println!("\n== same-run medians ==");
    println!(
        "series refresh : fixed {fixed_series:8.0} ns  f64 {f64_series:8.0} ns  ratio {:.2}x",
        fixed_series / f64_series
    );
    println!(
        "price + greeks : fixed {fixed_one:8.0} ns  f64 {f64_one:8.0} ns  ratio {:.2}x",
        fixed_one / f64_one
    );

    // Operation counts of one refresh (non-timed pass; zero without `op-count`).
    reset_op_counts();
    let _ = black_box(series_risk(&series, &grid, &market));
    let refresh = op_counts();
    reset_op_counts();
    let _ = black_box(price_and_greeks(&opt));
    let single = op_counts();
    if cfg!(feature = "op-count") {
        println!("op counts, one series refresh : {refresh:?}");
        println!("op counts, one price + greeks : {single:?}");
    } else {
        println!("(run with --features op-count for operation counts)");
    }
}
