//! `account_margin` for 1, 8 and 32 positions (two underlyings, USDC + SOL
//! collateral), beside an f64 implementation of the same combination in the
//! same run. Prints the fixed/f64 ratios, the analytic operation counts and
//! the estimated SBF compute units:
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-risk cargo bench -p options-margin-risk --bench margin
//! ```

mod support;

use std::hint::black_box;

use criterion::Criterion;
use options_margin_risk::margin::{account_margin, AccountInputs};
use options_margin_risk::ScenarioGrid;
use support::*;

fn main() {
    let pool = series_pool();
    let grids = [ScenarioGrid::default_grid(); 2];
    let coll = collaterals(50_000_000_000);
    let mut c = Criterion::default().configure_from_args();
    println!("\naccount_margin: fixed vs f64 (same algorithm, same run)");
    for n in [1usize, 8, 32] {
        let pos = positions(&pool, n);
        let acc = AccountInputs {
            grids: &grids,
            positions: &pos,
            collaterals: &coll,
        };
        let (pf, cf) = to_f64(&pos, &coll);
        let m = masks();
        // Same answer (to float rounding) before timing anything.
        let fixed = account_margin(&acc).unwrap();
        let float = margin_f64(&pf, &cf, m);
        let rel = (fixed.summary.mm_native as f64 * 1e-6 - float.mm).abs() / float.mm.max(1.0);
        assert!(
            rel < 1e-6,
            "fixed and f64 disagree: {} vs {}",
            fixed.summary.mm_native,
            float.mm
        );

        c.bench_function(&format!("account_margin/fixed/{n}"), |b| {
            b.iter(|| account_margin(black_box(&acc)).unwrap())
        });
        c.bench_function(&format!("account_margin/f64/{n}"), |b| {
            b.iter(|| margin_f64(black_box(&pf), black_box(&cf), m))
        });
        let tf = time_ns(20_000, || account_margin(black_box(&acc)).unwrap());
        let tg = time_ns(20_000, || margin_f64(black_box(&pf), black_box(&cf), m));
        let ops = margin_ops(n as u64, 2.min(n as u64), 2);
        println!(
            "  {n:>2} positions: fixed {tf:>8.0} ns, f64 {tg:>8.0} ns, ratio {:>5.2}; ops mul {} div {} add {} ≈ {} CU",
            tf / tg,
            ops.0,
            ops.1,
            ops.2,
            cu_estimate(ops)
        );
    }
    c.final_summary();
}
