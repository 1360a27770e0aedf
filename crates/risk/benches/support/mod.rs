//! Shared by the margin and plan benchmarks: a deterministic account of up to
//! 32 positions priced by `series_risk`, its f64 twin, an f64 implementation
//! of the same margin combination and of the same position-candidate solve,
//! a timing helper, and the analytic operation counts.
#![allow(dead_code, clippy::needless_range_loop)]

use std::hint::black_box;
use std::time::Instant;

use options_margin_risk::collateral::CollateralInput;
use options_margin_risk::margin::{scenario_masks, OptionKind, PositionInput};
use options_margin_risk::series::{series_risk, MarketInputs, SeriesParams};
use options_margin_risk::{ScenarioGrid, SeriesRisk, MAX_SCENARIOS};

pub const USD_E12: u64 = 1_000_000_000_000;
pub const NOW: i64 = 1_700_000_000;

/// 32 series over two underlyings ("SOL" at 100, "BTC" at 30_000).
pub fn series_pool() -> Vec<(SeriesRisk, u8, OptionKind)> {
    let grid = ScenarioGrid::default_grid();
    let mut out = Vec::new();
    for i in 0..32u64 {
        let (u, spot, cs, strike) = if i % 2 == 0 {
            (0u8, 100u64, 1_000_000u64, 80 + 5 * (i % 9))
        } else {
            (1u8, 30_000, 10_000, 26_000 + 1_000 * (i % 9))
        };
        let is_call = i % 4 < 2;
        let p = SeriesParams {
            is_call,
            strike_e12: strike * USD_E12,
            expiry_ts: NOW + (7 + 10 * (i as i64 % 5)) * 86_400,
            contract_size_e6: cs,
            short_floor_mm_bps: 200,
            short_floor_im_bps: 300,
        };
        let m = MarketInputs {
            spot_e12: spot * USD_E12,
            vol_e6: 800_000,
            rate_e6: 40_000,
            now_ts: NOW,
        };
        let risk = series_risk(&p, &grid, &m).expect("prices");
        out.push((
            risk,
            u,
            if is_call {
                OptionKind::Call
            } else {
                OptionKind::Put
            },
        ));
    }
    out
}

/// The first `n` positions of a mixed long/short book.
pub fn positions(pool: &[(SeriesRisk, u8, OptionKind)], n: usize) -> Vec<PositionInput<'_>> {
    pool.iter()
        .take(n)
        .enumerate()
        .map(|(i, (s, u, k))| PositionInput {
            series: s,
            underlying: *u,
            kind: *k,
            size_contracts: if i % 3 == 0 {
                40 + i as i64
            } else {
                -(60 + 3 * i as i64)
            },
            cost_basis_native: 1_000 * i as i64,
            lot_size_contracts: 1,
        })
        .collect()
}

pub fn collaterals(usdc: i64) -> Vec<CollateralInput> {
    vec![
        CollateralInput::settlement(usdc),
        CollateralInput {
            balance_native: 20_000_000_000,
            decimals: 9,
            price_low_e12: 99 * USD_E12,
            price_high_e12: 101 * USD_E12,
            init_weight_bps: 7_000,
            maint_weight_bps: 8_000,
            is_settlement: false,
        },
    ]
}

/// f64 twin of one position (USD units).
#[derive(Clone, Copy)]
pub struct PosF {
    pub und: usize,
    pub group: usize,
    pub n: f64,
    pub cost: f64,
    pub mark: f64,
    pub d: [f64; MAX_SCENARIOS],
    pub floor_mm: f64,
    pub floor_im: f64,
    pub greeks: [f64; 4],
}

/// f64 twin of one collateral (USD value of the balance, weights as fractions).
#[derive(Clone, Copy)]
pub struct CollF {
    pub value: f64,
    pub settlement: bool,
    pub maint: f64,
    pub init: f64,
}

pub fn to_f64(p: &[PositionInput], c: &[CollateralInput]) -> (Vec<PosF>, Vec<CollF>) {
    let pf = p
        .iter()
        .map(|p| {
            let s = p.series;
            let mut d = [0.0; MAX_SCENARIOS];
            for (o, v) in d.iter_mut().zip(s.scenario_values_native.iter()) {
                *o = (*v - s.mark_native) as f64 * 1e-6;
            }
            PosF {
                und: usize::from(p.underlying),
                group: p.kind.group(),
                n: p.size_contracts as f64,
                cost: p.cost_basis_native as f64 * 1e-6,
                mark: s.mark_native as f64 * 1e-6,
                d,
                floor_mm: s.short_floor_mm_native as f64 * 1e-6,
                floor_im: s.short_floor_im_native as f64 * 1e-6,
                greeks: [
                    s.delta_e9 as f64,
                    s.gamma_e9 as f64,
                    s.vega_native as f64,
                    s.theta_native as f64,
                ],
            }
        })
        .collect();
    let cf = c
        .iter()
        .map(|c| CollF {
            value: c.value_floor().unwrap() as f64 * 1e-6,
            settlement: c.is_settlement,
            maint: f64::from(c.maint_weight_bps) / 1e4,
            init: f64::from(c.init_weight_bps) / 1e4,
        })
        .collect();
    (pf, cf)
}

/// Scenario masks of the default grid, for the f64 code.
pub fn masks() -> (u32, u32) {
    scenario_masks(&ScenarioGrid::default_grid()).unwrap()
}

/// Result of the f64 margin: equity, MM, IM, per-underlying P&L, per-group net floors.
pub struct MarginF {
    pub equity: f64,
    pub mm: f64,
    pub im: f64,
    pub pnl: [[f64; MAX_SCENARIOS]; 8],
    pub net_floor: [[f64; 2]; 8],
    pub worst_mm: [f64; 8],
    pub greeks: [[f64; 6]; 32],
}

/// The same combination as `account_margin`, in f64.
pub fn margin_f64(p: &[PosF], c: &[CollF], (used, mm_mask): (u32, u32)) -> MarginF {
    let mut r = MarginF {
        equity: 0.0,
        mm: 0.0,
        im: 0.0,
        pnl: [[0.0; MAX_SCENARIOS]; 8],
        net_floor: [[0.0; 2]; 8],
        worst_mm: [0.0; 8],
        greeks: [[0.0; 6]; 32],
    };
    let mut net_im = [[0.0f64; 2]; 8];
    for (i, q) in p.iter().enumerate() {
        let value = q.n * q.mark;
        r.equity += value;
        for s in 0..MAX_SCENARIOS {
            if used & (1 << s) != 0 {
                r.pnl[q.und][s] += q.n * q.d[s];
            }
        }
        r.net_floor[q.und][q.group] -= q.n * q.floor_mm;
        net_im[q.und][q.group] -= q.n * q.floor_im;
        r.greeks[i] = [
            value,
            value - q.cost,
            q.n * q.greeks[0],
            q.n * q.greeks[1],
            q.n * q.greeks[2],
            q.n * q.greeks[3],
        ];
    }
    for u in 0..2 {
        let (mut wm, mut wi) = (0.0f64, 0.0f64);
        for s in 0..MAX_SCENARIOS {
            if used & (1 << s) != 0 {
                wi = wi.max(-r.pnl[u][s]);
                if mm_mask & (1 << s) != 0 {
                    wm = wm.max(-r.pnl[u][s]);
                }
            }
        }
        r.worst_mm[u] = wm;
        r.mm += wm;
        r.im += wi;
        for g in 0..2 {
            let f = r.net_floor[u][g].max(0.0);
            r.mm += f;
            r.im += f.max(net_im[u][g]);
        }
    }
    for k in c {
        r.equity += k.value;
        if !k.settlement && k.value > 0.0 {
            r.mm += k.value * (1.0 - k.maint);
            r.im += k.value * (1.0 - k.init);
        }
    }
    r
}

/// The f64 twin of the planner's position-candidate pass (soft tier): for
/// each position, the lines solve for the smallest quantity reaching `K`
/// (fee-free here), the tier cap, MM after, and the score; returns the best
/// (index, quantity).
pub fn plan_f64(p: &[PosF], m: &MarginF, mm_mask: u32, target: f64, frac: f64) -> (usize, f64) {
    let k = m.equity / target;
    let mut best = (usize::MAX, 0.0, f64::MIN);
    for (i, q) in p.iter().enumerate() {
        let sigma = q.n.signum();
        let full = q.n.abs();
        let x = m.net_floor[q.und][q.group];
        let floor0 = x.max(0.0);
        let c = m.mm - m.worst_mm[q.und] - floor0;
        let k2 = k - c;
        let mut lo = 0.0f64;
        let mut feasible = true;
        for s in 0..=MAX_SCENARIOS {
            let (a, b) = if s < MAX_SCENARIOS {
                if mm_mask & (1 << s) == 0 {
                    continue;
                }
                (-m.pnl[q.und][s], sigma * q.d[s])
            } else {
                (0.0, 0.0)
            };
            for (ga, gb) in [(0.0, 0.0), (x, sigma * q.floor_mm)] {
                let (al, be) = (a + ga, b + gb);
                if al > k2 {
                    if be >= 0.0 {
                        feasible = false;
                    } else {
                        lo = lo.max((al - k2) / -be);
                    }
                }
            }
        }
        let cap = (full * frac).floor().max(1.0);
        let qty = if feasible { lo.ceil().min(cap) } else { cap };
        let mut w = 0.0f64;
        for s in 0..MAX_SCENARIOS {
            if mm_mask & (1 << s) != 0 {
                w = w.max(sigma * q.d[s] * qty - m.pnl[q.und][s]);
            }
        }
        let mm_after = c + w + (x + sigma * q.floor_mm * qty).max(0.0);
        let score = (m.mm - mm_after) / (qty * (q.mark.abs() + q.floor_mm + 1e-6));
        if mm_after < m.mm && score > best.2 {
            best = (i, qty, score);
        }
    }
    (best.0, best.1)
}

/// ns per call of `f`, best of 5 runs of `iters` calls.
pub fn time_ns<R>(iters: u32, mut f: impl FnMut() -> R) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(f());
        }
        best = best.min(t.elapsed().as_nanos() as f64 / f64::from(iters));
    }
    best
}

/// Analytic operation counts of `account_margin` with `p` positions, `u`
/// underlyings (27 scenarios) and `c` collaterals: `(mul, div, add/sub/cmp)`.
/// Per position: 27 mul + 54 add (scenario accumulation and the value −
/// mark), 2 mul + 2 sub (floors), 1 mul (mark value), 4 mul + 1 sub
/// (Greeks, P&L). Per underlying: 2 × 27 compares, 4 max + 4 add. Per
/// collateral: 1 mul + 1 div (value), 2 mul + 2 div (haircuts). Ratio: 1 mul + 1 div.
pub fn margin_ops(p: u64, u: u64, c: u64) -> (u64, u64, u64) {
    let mul = 34 * p + 3 * c + 1;
    let div = 3 * c + 1;
    let add = 57 * p + 62 * u + 4 * c + 10;
    (mul, div, add)
}

/// Estimated SBF compute units from op counts. Our estimates, not
/// measurements: a checked 64/128-bit multiply ≈ 30 CU (SBF has a native
/// 64-bit multiply, but the overflow check needs the high half, a short
/// software routine), a 128-bit division ≈ 600 CU (software long division),
/// an add/sub/compare ≈ 3 CU with its overflow branch, plus ~20% for loads,
/// stores and loop control. The program's tests should pin the real figure.
pub fn cu_estimate((mul, div, add): (u64, u64, u64)) -> u64 {
    (mul * 30 + div * 600 + add * 3) * 12 / 10
}
