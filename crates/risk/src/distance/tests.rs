//! Tests of [`super`]: triggers checked against a fine scan, exact
//! equity losses, bounds and errors.

use super::*;
use crate::margin::ratio_bps;
use std::vec::Vec;

const USD_E12: u64 = 1_000_000_000_000;
/// unit: quote native. 1 USD.
const USD: i64 = 1_000_000;
const NOW: i64 = 1_700_000_000;

fn sol_series(is_call: bool, strike_usd: u64) -> SeriesParams {
    SeriesParams {
        is_call,
        strike_e12: strike_usd * USD_E12,
        expiry_ts: NOW + 30 * 86_400,
        contract_size_e6: 1_000_000,
        short_floor_mm_bps: 200,
        short_floor_im_bps: 300,
    }
}

fn market(spot_usd: u64) -> MarketInputs {
    MarketInputs {
        spot_e12: spot_usd * USD_E12,
        vol_e6: 800_000,
        rate_e6: 40_000,
        now_ts: NOW,
    }
}

fn pos(series: SeriesParams, size_contracts: i64) -> SpotPosition {
    SpotPosition {
        series,
        underlying: 0,
        size_contracts,
        cost_basis_native: 0,
        lot_size_contracts: 1,
        settlement_price_e12: None,
    }
}

fn usdc(balance_native: i64) -> SpotCollateral {
    SpotCollateral {
        collateral: CollateralInput::settlement(balance_native),
        follows_underlying: None,
    }
}

/// One SOL-like underlying at 100 USD on the default grid.
struct Book {
    grids: [ScenarioGrid; 1],
    markets: [MarketInputs; 1],
    positions: Vec<SpotPosition>,
    collaterals: Vec<SpotCollateral>,
    liquidation: LiquidationParams,
}

impl Book {
    fn new(positions: Vec<SpotPosition>, collaterals: Vec<SpotCollateral>) -> Self {
        Self {
            grids: [ScenarioGrid::default_grid()],
            markets: [market(100)],
            positions,
            collaterals,
            liquidation: LiquidationParams::default(),
        }
    }

    /// `positions` with a settlement balance that puts the account at
    /// about `ratio_bps` at the current spot.
    fn funded(positions: Vec<SpotPosition>, ratio_bps: u64) -> Self {
        let mut book = Self::new(positions, std::vec![usdc(0)]);
        let t = book.totals(book.spot());
        let need = div_ceil(i128::from(t.mm_native) * i128::from(ratio_bps), BPS).unwrap();
        book.collaterals[0] = usdc((need - i128::from(t.equity_native)) as i64);
        book
    }

    fn inputs(&self) -> SpotInputs<'_> {
        SpotInputs {
            grids: &self.grids,
            markets: &self.markets,
            positions: &self.positions,
            collaterals: &self.collaterals,
            liquidation: &self.liquidation,
        }
    }

    fn spot(&self) -> u64 {
        self.markets[0].spot_e12
    }

    fn totals(&self, spot_e12: u64) -> MarginTotals {
        let mut scratch = SpotScratch::ZERO;
        totals_at_spot(&self.inputs(), 0, spot_e12, &mut scratch).unwrap()
    }

    fn tier(&self, spot_e12: u64) -> u8 {
        let t = self.totals(spot_e12).ratio_bps;
        self.liquidation.tier_of(t).unwrap_or(0)
    }

    fn solve(&self) -> SpotToTier {
        let mut scratch = SpotScratch::ZERO;
        spot_to_tier(&self.inputs(), 0, &mut scratch).unwrap()
    }
}

/// Reference: a fine outward scan in 0.1% steps (floats for the spots
/// only). Per tier, the first bracket `(outside, inside)` met.
fn fine_scan(book: &Book, up: bool) -> [Option<(u64, u64)>; TIER_COUNT] {
    let spot = book.spot();
    let (factor, bound) = if up {
        (1.001f64, spot as f64 * 100.0)
    } else {
        (0.999f64, spot as f64 / 100.0)
    };
    let mut found = [None; TIER_COUNT];
    let mut prev = spot;
    let mut x = spot as f64;
    loop {
        x *= factor;
        let done = if up { x >= bound } else { x <= bound };
        let s = if done { bound.round() } else { x.round() } as u64;
        let tier = book.tier(s);
        for (k, slot) in found.iter_mut().enumerate() {
            if slot.is_none() && usize::from(tier) > k {
                *slot = Some((prev, s));
            }
        }
        if done || found.iter().all(Option::is_some) {
            return found;
        }
        prev = s;
    }
}

/// Every trigger is inside its tier, one unit (and one 10^-6 step)
/// toward the current spot is not, and it lies in the first bracket of
/// the fine scan; `None` exactly when the fine scan finds none.
fn check_against_fine_scan(book: &Book) -> SpotToTier {
    let r = book.solve();
    let spot = book.spot();
    assert_eq!(r.current_tier, book.tier(spot));
    for up in [false, true] {
        let ours = if up {
            r.up_trigger_spot_e12
        } else {
            r.down_trigger_spot_e12
        };
        let reference = fine_scan(book, up);
        for (k, (got, want)) in ours.iter().zip(reference.iter()).enumerate() {
            let t = k as u8 + 1;
            if t <= r.current_tier {
                assert_eq!(*got, Some(spot), "tier {t} up={up}");
                continue;
            }
            let (s, (outside, inside)) = match (got, want) {
                (None, None) => continue,
                (Some(s), Some(b)) => (*s, *b),
                _ => panic!("tier {t} up={up}: ours {got:?}, reference {want:?}"),
            };
            assert!(book.tier(s) >= t, "tier {t} up={up} at {s}");
            let step = s.div_ceil(1_000_000);
            let (unit, micro) = if up {
                (s - 1, s - step)
            } else {
                (s + 1, s + step)
            };
            assert!(book.tier(unit) < t, "tier {t} up={up} at {unit}");
            assert!(book.tier(micro) < t, "tier {t} up={up} at {micro}");
            let (lo, hi) = (outside.min(inside), outside.max(inside));
            assert!(
                s >= lo && s <= hi && s != outside,
                "tier {t} up={up}: {s} vs ({outside}, {inside})"
            );
        }
    }
    r
}

#[test]
fn equity_loss_is_exact_at_each_threshold() {
    let lp = LiquidationParams::default();
    for mm in [0i64, 1, 7, 9_999, 10_000, 123_456_789, 1 << 40] {
        for equity in [-5i64, 0, 1, 10_499, 10_500, 10_501, 987_654_321, 1 << 41] {
            let loss = equity_to_tier_ceil(equity, mm, &lp).unwrap();
            let tier_after = |d: u64| {
                let r = ratio_bps(i128::from(equity) - i128::from(d), i128::from(mm)).unwrap();
                lp.tier_of(r).unwrap_or(0)
            };
            for (k, &d) in loss.iter().enumerate() {
                let t = k as u8 + 1;
                assert!(tier_after(d) >= t, "E={equity} MM={mm} tier {t} d={d}");
                if d > 0 {
                    assert!(tier_after(d - 1) < t, "E={equity} MM={mm} tier {t} d={d}");
                }
            }
            // Deeper tiers are further away.
            assert!(loss[0] <= loss[1] && loss[1] <= loss[2]);
        }
    }
}

#[test]
fn equity_loss_edge_cases() {
    let lp = LiquidationParams::default();
    // Exactly at 105%: one unit more and the ratio is below it.
    assert_eq!(equity_to_tier_ceil(10_500, 10_000, &lp), Ok([1, 301, 501]));
    // Already at 100% (tier 2): tier 1 and 2 are 0 away, tier 3 one unit.
    assert_eq!(equity_to_tier_ceil(10_000, 10_000, &lp), Ok([0, 0, 1]));
    // No margin: every tier waits for a negative equity.
    assert_eq!(equity_to_tier_ceil(42, 0, &lp), Ok([43; 3]));
    assert_eq!(equity_to_tier_ceil(-1, 0, &lp), Ok([0; 3]));
    assert_eq!(
        equity_to_tier_ceil(1, -1, &lp),
        Err(RiskError::InvalidInput)
    );
    let mut bad = lp;
    bad.tiers[2].below_ratio_bps = 9_000;
    assert_eq!(
        equity_to_tier_ceil(1, 1, &bad),
        Err(RiskError::InvalidTiers)
    );
}

#[test]
fn naked_short_put() {
    let book = Book::funded(std::vec![pos(sol_series(false, 90), -10)], 15_000);
    let r = check_against_fine_scan(&book);
    assert_eq!(r.current_tier, 0);
    let down = r.down_trigger_spot_e12.map(Option::unwrap);
    // Deeper tiers are further down, and all within a plausible move.
    assert!(down[0] > down[1] && down[1] > down[2], "{down:?}");
    assert!(
        down[0] > 60 * USD_E12 && down[0] < 100 * USD_E12,
        "{down:?}"
    );
    // The short floor grows with the notional: far enough up, a fixed
    // balance no longer covers it.
    assert!(r.up_trigger_spot_e12.iter().all(Option::is_some), "{r:?}");
}

#[test]
fn short_strangle() {
    let book = Book::funded(
        std::vec![
            pos(sol_series(false, 85), -10),
            pos(sol_series(true, 115), -10)
        ],
        13_000,
    );
    let r = check_against_fine_scan(&book);
    assert_eq!(r.current_tier, 0);
    let (down, up) = (r.down_trigger_spot_e12, r.up_trigger_spot_e12);
    assert!(down.iter().chain(up.iter()).all(Option::is_some), "{r:?}");
    assert!(up[0].unwrap() < up[1].unwrap() && up[1].unwrap() < up[2].unwrap());
}

#[test]
fn already_inside_reports_the_current_spot() {
    let book = Book::funded(std::vec![pos(sol_series(false, 90), -10)], 10_300);
    let r = check_against_fine_scan(&book);
    assert_eq!(r.current_tier, 1);
    assert_eq!(r.down_trigger_spot_e12[0], Some(book.spot()));
    assert_eq!(r.up_trigger_spot_e12[0], Some(book.spot()));
    assert!(r.down_trigger_spot_e12[1].unwrap() < book.spot());
}

#[test]
fn flat_book_never_reaches_a_tier() {
    let put = sol_series(false, 90);
    for positions in [std::vec![], std::vec![pos(put, 10), pos(put, -10)]] {
        let book = Book::new(positions, std::vec![usdc(1_000 * USD)]);
        let r = book.solve();
        assert_eq!(
            r,
            SpotToTier {
                current_tier: 0,
                down_trigger_spot_e12: [None; TIER_COUNT],
                up_trigger_spot_e12: [None; TIER_COUNT],
            }
        );
    }
}

/// 10 SOL at 99% of spot (low price), maintenance weight 80%, against
/// 500 USD borrowed: `V − 500 < (T/10^4)·0.2·V` at `V = 9.9 · spot`.
#[test]
fn collateral_follows_its_underlying() {
    let sol = CollateralInput {
        balance_native: 10_000_000_000,
        decimals: 9,
        price_low_e12: 99 * USD_E12,
        price_high_e12: 101 * USD_E12,
        init_weight_bps: 7_000,
        maint_weight_bps: 8_000,
        is_settlement: false,
    };
    let tied = SpotCollateral {
        collateral: sol,
        follows_underlying: Some(0),
    };
    let book = Book::new(std::vec![], std::vec![tied, usdc(-500 * USD)]);
    let r = check_against_fine_scan(&book);
    for (k, t) in book.liquidation.tiers.iter().enumerate() {
        let ratio = f64::from(t.below_ratio_bps) / 10_000.0;
        let want = 500.0 / (1.0 - 0.2 * ratio) / 9.9 * USD_E12 as f64;
        let got = r.down_trigger_spot_e12[k].unwrap() as f64;
        assert!((got / want - 1.0).abs() < 1e-6, "tier {k}: {got} vs {want}");
        assert_eq!(r.up_trigger_spot_e12[k], None);
    }
    // The same balance not tied to the underlying does not move.
    let fixed = SpotCollateral {
        follows_underlying: None,
        ..tied
    };
    let book = Book::new(std::vec![], std::vec![fixed, usdc(-500 * USD)]);
    assert_eq!(book.solve().down_trigger_spot_e12, [None; TIER_COUNT]);
}

#[test]
fn settled_series_do_not_move() {
    let mut put = pos(sol_series(false, 90), -10);
    put.series.expiry_ts = NOW - 1;
    put.settlement_price_e12 = Some(80 * USD_E12);
    // 10 × 10 USD owed, 101 USD held: MM 0 at every spot.
    let book = Book::new(std::vec![put], std::vec![usdc(101 * USD)]);
    let r = book.solve();
    assert_eq!(r.current_tier, 0);
    assert_eq!(r.down_trigger_spot_e12, [None; TIER_COUNT]);
    // A short is owed at `mark + 1` per contract.
    assert_eq!(book.totals(book.spot()).equity_native, USD - 10);
}

#[test]
fn the_scan_reaches_the_range_end_within_its_bound() {
    let count = |dir: Direction, spot: u64| {
        let bound = dir.bound_e12(spot);
        let (mut s, mut n) = (spot, 0usize);
        while s != bound {
            s = dir.step_e12(s, bound).unwrap();
            n += 1;
        }
        n
    };
    assert_eq!(count(Direction::Up, 100 * USD_E12), MAX_SCAN_STEPS);
    assert_eq!(count(Direction::Down, 100 * USD_E12), 459);
    for spot in [
        1,
        2,
        99,
        100,
        101,
        12_345,
        USD_E12,
        u64::MAX / 100,
        u64::MAX,
    ] {
        for dir in [Direction::Down, Direction::Up] {
            assert!(count(dir, spot) <= MAX_SCAN_STEPS, "{dir:?} {spot}");
        }
    }
    assert_eq!(MAX_EVALUATIONS, 1_311);
}

#[test]
fn bad_inputs_are_errors() {
    let book = Book::new(
        std::vec![pos(sol_series(false, 90), -1)],
        std::vec![usdc(0)],
    );
    let mut scratch = SpotScratch::ZERO;
    let e = |inputs: SpotInputs, u: u8, scratch: &mut SpotScratch| {
        spot_to_tier(&inputs, u, scratch).unwrap_err()
    };
    assert_eq!(e(book.inputs(), 1, &mut scratch), RiskError::InvalidInput);
    let no_market = SpotInputs {
        markets: &[],
        ..book.inputs()
    };
    assert_eq!(e(no_market, 0, &mut scratch), RiskError::InvalidInput);
    let zero_spot = [MarketInputs {
        spot_e12: 0,
        ..market(1)
    }];
    let zero = SpotInputs {
        markets: &zero_spot,
        ..book.inputs()
    };
    assert_eq!(e(zero, 0, &mut scratch), RiskError::NonPositivePrice);
    let lost = [SpotCollateral {
        follows_underlying: Some(3),
        ..usdc(0)
    }];
    let lost = SpotInputs {
        collaterals: &lost,
        ..book.inputs()
    };
    assert_eq!(e(lost, 0, &mut scratch), RiskError::InvalidInput);
    let mut lot = book.positions.clone();
    lot[0].lot_size_contracts = 0;
    let lot = SpotInputs {
        positions: &lot,
        ..book.inputs()
    };
    assert_eq!(e(lot, 0, &mut scratch), RiskError::InvalidInput);
}
