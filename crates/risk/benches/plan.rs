//! One liquidation plan of a 32-position account in tier 1 (the solve runs
//! for every candidate), beside an f64 implementation of the same
//! combination and position-candidate solve in the same run. Prints the
//! ratio, the analytic operation counts and the estimated compute units:
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-risk cargo bench -p options-margin-risk --bench plan
//! ```

mod support;

use std::hint::black_box;

use criterion::Criterion;
use options_margin_risk::margin::{margin_summary, AccountInputs};
use options_margin_risk::planner::{plan_liquidation, LiquidationParams};
use options_margin_risk::ScenarioGrid;
use support::*;

/// Analytic counts of `plan_liquidation` with `p` position candidates on top
/// of `margin_summary`: per candidate 27 checked slope products + 27 sub
/// (model), ≤ 56 line checks (≈ 4 add/cmp each; their few divisions are
/// native u64 ones, counted as adds), typically 3 MM evaluations (27
/// widening mul + 54 add each; the bisection adds 2 per step when the
/// target is out of reach), ranking (4 mul). Once: the target bound (≈ 4 fee
/// evaluations, ≈ 12 i128 div) and the final fee and ratio (≈ 6 i128 div).
fn plan_ops(p: u64) -> (u64, u64, u64) {
    let (m, d, a) = margin_ops(p, 2, 2);
    let per_mul = 27 + 3 * 27 + 4;
    let per_add = 27 + 224 + 3 * 54 + 10;
    (m - 4 * p + per_mul * p + 10, d + 18, a + per_add * p + 40)
}

fn main() {
    let pool = series_pool();
    let grids = [ScenarioGrid::default_grid(); 2];
    let pos = positions(&pool, 32);
    // Put the account at a 103% ratio (tier 1).
    let probe = collaterals(0);
    let m0 = margin_summary(&AccountInputs {
        grids: &grids,
        positions: &pos,
        collaterals: &probe,
    })
    .unwrap();
    let usdc = m0.mm_native * 103 / 100 - m0.equity_native;
    let coll = collaterals(usdc);
    let acc = AccountInputs {
        grids: &grids,
        positions: &pos,
        collaterals: &coll,
    };
    let params = LiquidationParams::default();
    let plan = plan_liquidation(&acc, &params).unwrap();
    println!("\nplan: {plan:?}");

    let (pf, cf) = to_f64(&pos, &coll);
    let (_, mm_mask) = masks();
    let m = masks();
    let target = f64::from(params.target_ratio_bps) / 1e4;
    let frac = f64::from(params.tiers[0].max_fraction_bps) / 1e4;
    let run_f64 = || {
        let mf = margin_f64(black_box(&pf), black_box(&cf), m);
        plan_f64(&pf, &mf, mm_mask, target, frac)
    };
    println!("f64 twin picks (index, quantity) = {:?}", run_f64());

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("plan_liquidation/fixed/32", |b| {
        b.iter(|| plan_liquidation(black_box(&acc), &params).unwrap())
    });
    c.bench_function("plan_liquidation/f64/32", |b| b.iter(run_f64));
    let tf = time_ns(5_000, || {
        plan_liquidation(black_box(&acc), &params).unwrap()
    });
    let tg = time_ns(5_000, run_f64);
    let ops = plan_ops(32);
    println!(
        "plan_liquidation 32 positions: fixed {tf:.0} ns, f64 {tg:.0} ns, ratio {:.2}; ops mul {} div {} add {} ≈ {} CU",
        tf / tg,
        ops.0,
        ops.1,
        ops.2,
        cu_estimate(ops)
    );
    c.final_summary();
}
