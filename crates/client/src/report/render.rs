//! The report as a plain-text table and as JSON. Display only: every
//! figure is the report's, formatted with integer arithmetic (USD with 2
//! decimals and % with 2 decimals rounded half away from zero, tokens
//! with all their decimals).

use anchor_lang::prelude::Pubkey;
use options_margin_risk::distance::TIER_COUNT;
use options_margin_risk::margin::RATIO_NO_MARGIN;
use serde_json::{json, Value};

use super::spot::{move_bps, UnderlyingDistance};
use super::{AccountReport, CollateralRow, PositionRow};

/// Shown where a figure does not exist (a tier never reached).
const NONE: &str = "—";

impl AccountReport {
    /// An aligned plain-text table: header, collateral, positions, margin,
    /// liquidation status and the distance to each tier.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        self.render_header(&mut out);
        self.render_collaterals(&mut out);
        self.render_positions(&mut out);
        self.render_margin(&mut out);
        self.render_distance(&mut out);
        out
    }

    fn render_header(&self, out: &mut String) {
        let h = &self.header;
        out.push_str(&format!("Margin account  {}\n", h.margin_account));
        out.push_str(&format!("  owner         {}\n", h.owner));
        out.push_str(&format!("  exchange      {}\n", h.exchange));
        out.push_str(&format!("  index         {}\n", h.account_index));
        out.push_str(&format!(
            "  as of         {} (valued at spot, as liquidations value it)\n",
            utc_time(h.now_ts)
        ));
    }

    fn render_collaterals(&self, out: &mut String) {
        out.push_str("\nCollateral (USD)\n");
        let mut t = Table::new(&[
            ("mint", Align::Left),
            ("kind", Align::Left),
            ("balance", Align::Right),
            ("price low", Align::Right),
            ("price high", Align::Right),
            ("weight IM/MM", Align::Right),
            ("value", Align::Right),
            ("IM haircut", Align::Right),
            ("MM haircut", Align::Right),
        ]);
        for c in &self.collaterals {
            t.row(collateral_cells(c));
        }
        if self.collaterals.is_empty() {
            out.push_str("  none\n");
        } else {
            t.render(out);
        }
    }

    fn render_positions(&self, out: &mut String) {
        out.push_str(
            "\nPositions (USD; size in contracts; P&L = mark value - cost basis, + is a gain;\n  \
             delta in underlying units, gamma in delta per 1% spot move, vega in USD per vol point)\n",
        );
        if self.positions.is_empty() {
            out.push_str("  none\n");
            return;
        }
        let mut t = Table::new(&[
            ("series", Align::Left),
            ("option", Align::Left),
            ("expiry (UTC)", Align::Left),
            ("size", Align::Right),
            ("mark/ct", Align::Right),
            ("mark value", Align::Right),
            ("cost basis", Align::Right),
            ("unreal. P&L", Align::Right),
            ("delta", Align::Right),
            ("gamma", Align::Right),
            ("vega", Align::Right),
            ("vol", Align::Right),
            ("state", Align::Left),
        ]);
        for p in &self.positions {
            t.row(position_cells(p));
        }
        t.render(out);
    }

    fn render_margin(&self, out: &mut String) {
        let m = &self.margin;
        let s = &m.summary;
        out.push_str("\nMargin (USD)\n");
        let mut t = Table::new(&[("", Align::Left), ("", Align::Right), ("", Align::Left)]);
        t.row(vec![
            "equity".into(),
            usd(s.equity_native),
            format!(
                "collateral {} + options {}",
                usd(m.collateral_value_native),
                usd(m.options_value_native)
            ),
        ]);
        t.row(vec![
            "initial margin".into(),
            usd(s.initial_margin_native),
            format!(
                "scenarios {} + short floors {} + haircuts {}; at least {} of MM = {}",
                usd(m.scenario_im_native),
                usd(m.floor_im_native),
                usd(m.haircut_im_native),
                pct(u64::from(m.im_floor_ratio_bps)),
                usd(m.im_floor_native)
            ),
        ]);
        t.row(vec![
            "maintenance margin".into(),
            usd(s.maintenance_margin_native),
            format!(
                "scenarios {} + short floors {} + haircuts {}",
                usd(m.scenario_mm_native),
                usd(m.floor_mm_native),
                usd(m.haircut_mm_native)
            ),
        ]);
        t.row(vec![
            "ratio equity / MM".into(),
            ratio(s.ratio_bps),
            String::new(),
        ]);
        t.row(vec![
            "tier".into(),
            self.tier_label(),
            self.tier_thresholds(),
        ]);
        t.row(vec![
            "grace period".into(),
            self.grace_label(),
            self.grace_detail(),
        ]);
        t.row(vec![
            "pending socialised loss".into(),
            usd(m.pending_loss_native),
            "owed now, already deducted from equity".into(),
        ]);
        t.row(vec![
            "insurance accrued".into(),
            usd(m.insurance_accrued_native),
            "fee share paid, not yet swept into the fund".into(),
        ]);
        t.render_bare(out);
    }

    fn tier_label(&self) -> String {
        match self.liquidation.tier {
            None => "healthy".into(),
            Some(3) => "3 (closeout)".into(),
            Some(t) => format!("{t} (soft)"),
        }
    }

    fn tier_thresholds(&self) -> String {
        let p = &self.liquidation.params;
        let tiers: Vec<String> = p
            .tiers
            .iter()
            .enumerate()
            .map(|(k, t)| format!("{} below {}", k + 1, pct(u64::from(t.below_ratio_bps))))
            .collect();
        format!(
            "{}; target {}",
            tiers.join(", "),
            pct(u64::from(p.target_ratio_bps))
        )
    }

    fn grace_label(&self) -> String {
        match self.liquidation.grace.ends_ts {
            None => "none".into(),
            Some(_) if self.liquidation.grace.blocks_soft_liquidation => "running".into(),
            Some(_) => "ended early".into(),
        }
    }

    fn grace_detail(&self) -> String {
        let g = &self.liquidation.grace;
        match g.ends_ts {
            None => String::new(),
            Some(end) => format!(
                "until {}; blocks soft-tier calls while the ratio stays at or above {}",
                utc_time(end),
                ratio(g.last_soft_ratio_bps)
            ),
        }
    }

    fn render_distance(&self, out: &mut String) {
        let d = &self.distance;
        let params = &self.liquidation.params;
        out.push_str("\nDistance to each tier (one cause at a time, everything else fixed)\n");
        let mut t = Table::new(&[
            ("tier", Align::Left),
            ("below ratio", Align::Right),
            ("equity loss (USD)", Align::Right),
        ]);
        for k in 0..TIER_COUNT {
            t.row(vec![
                format!("{}", k + 1),
                pct(u64::from(params.tiers[k].below_ratio_bps)),
                equity_loss(d.equity_loss_native[k]),
            ]);
        }
        t.render(out);
        if d.underlyings.is_empty() {
            return;
        }
        out.push_str("\n  Underlying spot that triggers each tier (repriced with fresh vectors)\n");
        let mut t = Table::new(&[
            ("underlying", Align::Left),
            ("spot", Align::Right),
            ("vol", Align::Right),
            ("tier", Align::Left),
            ("down to", Align::Right),
            ("move", Align::Right),
            ("up to", Align::Right),
            ("move", Align::Right),
        ]);
        let mut notes = Vec::new();
        for u in &d.underlyings {
            self.underlying_rows(u, &mut t, &mut notes);
        }
        t.render(out);
        for n in notes {
            out.push_str(&format!("  {n}\n"));
        }
    }

    fn underlying_rows(&self, u: &UnderlyingDistance, t: &mut Table, notes: &mut Vec<String>) {
        let label = self.underlying_label(&u.underlying);
        let spot = u.market.spot_e12;
        let lead = |k: usize| -> [String; 3] {
            if k == 0 {
                [label.clone(), price(spot), vol(u.market.vol_e6)]
            } else {
                Default::default()
            }
        };
        match &u.outcome {
            Err(e) => {
                let [a, b, c] = lead(0);
                t.row(vec![
                    a,
                    b,
                    c,
                    format!("not computed: {e:?}"),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            Ok(o) => {
                for k in 0..TIER_COUNT {
                    let [a, b, c] = lead(k);
                    let (down, down_move) = trigger(spot, o.tiers.down_trigger_spot_e12[k]);
                    let (up, up_move) = trigger(spot, o.tiers.up_trigger_spot_e12[k]);
                    t.row(vec![
                        a,
                        b,
                        c,
                        format!("{}", k + 1),
                        down,
                        down_move,
                        up,
                        up_move,
                    ]);
                }
                let s = &self.margin.summary;
                notes.push(format!(
                    "{label}: model at spot: equity {}, MM {}, ratio {} (program, last refresh: {}, {}, {})",
                    usd(o.at_spot.equity_native),
                    usd(o.at_spot.mm_native),
                    ratio(o.at_spot.ratio_bps),
                    usd(s.equity_native),
                    usd(s.maintenance_margin_native),
                    ratio(s.ratio_bps),
                ));
            }
        }
        if u.vols_differ {
            notes.push(format!(
                "{label}: its series carry different volatilities; all repriced at {}",
                vol(u.market.vol_e6)
            ));
        }
    }

    fn underlying_label(&self, key: &Pubkey) -> String {
        match self.positions.iter().find(|p| p.underlying == *key) {
            Some(p) => format!("#{} {}", p.underlying_index, short_key(key)),
            None => short_key(key),
        }
    }

    /// Every raw figure, with its unit in its key (`_native`: quote native,
    /// 1e-6 USD, unless `_token_native`; `_e12`: 1e-12 USD per whole unit;
    /// `_bps`; `_e6`; `_ts`: unix seconds). `ratio_bps` is
    /// `18446744073709551615` (u64::MAX) when MM is 0 and equity ≥ 0.
    pub fn to_json(&self) -> Value {
        let h = &self.header;
        let m = &self.margin;
        let s = &m.summary;
        let l = &self.liquidation;
        let g = &l.grace;
        json!({
            "margin_account": h.margin_account.to_string(),
            "owner": h.owner.to_string(),
            "exchange": h.exchange.to_string(),
            "account_index": h.account_index,
            "now_ts": h.now_ts,
            "valuation": "spot",
            "collaterals": self.collaterals.iter().map(collateral_json).collect::<Vec<_>>(),
            "positions": self.positions.iter().map(position_json).collect::<Vec<_>>(),
            "margin": {
                "equity_native": s.equity_native,
                "initial_margin_native": s.initial_margin_native,
                "maintenance_margin_native": s.maintenance_margin_native,
                "ratio_bps": s.ratio_bps,
                "collateral_value_native": m.collateral_value_native,
                "options_value_native": m.options_value_native,
                "scenario_mm_native": m.scenario_mm_native,
                "floor_mm_native": m.floor_mm_native,
                "haircut_mm_native": m.haircut_mm_native,
                "scenario_im_native": m.scenario_im_native,
                "floor_im_native": m.floor_im_native,
                "haircut_im_native": m.haircut_im_native,
                "im_floor_native": m.im_floor_native,
                "im_floor_ratio_bps": m.im_floor_ratio_bps,
                "pending_socialized_loss_native": m.pending_loss_native,
                "insurance_accrued_native": m.insurance_accrued_native,
            },
            "liquidation": {
                "tier": l.tier,
                "tiers": l.params.tiers.iter().enumerate().map(|(k, t)| json!({
                    "tier": k + 1,
                    "below_ratio_bps": t.below_ratio_bps,
                    "max_fraction_bps": t.max_fraction_bps,
                })).collect::<Vec<_>>(),
                "target_ratio_bps": l.params.target_ratio_bps,
                "fee_flat_native": l.params.fee_flat_native,
                "fee_rate_bps": l.params.fee_rate_bps,
                "fee_rate_max_bps": l.params.fee_rate_max_bps,
                "fee_rate_now_bps": l.params.fee_rate_at_floor(self.margin.summary.ratio_bps),
                "grace": {
                    "last_soft_liquidation_ts": g.last_soft_liquidation_ts,
                    "last_soft_ratio_bps": g.last_soft_ratio_bps,
                    "grace_period_secs": g.grace_period_secs,
                    "ends_ts": g.ends_ts,
                    "blocks_soft_liquidation": g.blocks_soft_liquidation,
                },
            },
            "distance": {
                "equity_to_tier": (0..TIER_COUNT).map(|k| json!({
                    "tier": k + 1,
                    "below_ratio_bps": l.params.tiers[k].below_ratio_bps,
                    "equity_loss_native": self.distance.equity_loss_native[k],
                })).collect::<Vec<_>>(),
                "underlyings": self.distance.underlyings.iter().map(underlying_json).collect::<Vec<_>>(),
            },
        })
    }
}

fn collateral_cells(c: &CollateralRow) -> Vec<String> {
    vec![
        short_key(&c.mint),
        if c.is_settlement {
            "settlement"
        } else {
            "volatile"
        }
        .into(),
        tokens(c.balance_native, c.decimals),
        price(c.price_low_e12),
        price(c.price_high_e12),
        format!(
            "{}/{} %",
            fixed(i128::from(c.init_weight_bps), 2, 2),
            fixed(i128::from(c.maint_weight_bps), 2, 2)
        ),
        usd(c.value_native),
        usd(c.haircut_im_native),
        usd(c.haircut_mm_native),
    ]
}

fn position_cells(p: &PositionRow) -> Vec<String> {
    let state = match p.settlement_price_e12 {
        Some(px) => format!("settled at {}", price(px)),
        None => "live".into(),
    };
    vec![
        short_key(&p.series),
        format!(
            "#{} {} {}",
            p.underlying_index,
            if p.is_call { "CALL" } else { "PUT" },
            price(p.strike_e12)
        ),
        utc_time(p.expiry_ts),
        group(i128::from(p.size_contracts)),
        usd(p.mark_native),
        usd(p.mark_value_native),
        usd(p.cost_basis_native),
        signed_usd(p.unrealized_pnl_native),
        fixed(i128::from(p.delta_e9), 9, 4),
        fixed(i128::from(p.gamma_e9), 9, 4),
        usd(p.vega_native),
        vol(p.vol_e6),
        state,
    ]
}

fn collateral_json(c: &CollateralRow) -> Value {
    json!({
        "mint": c.mint.to_string(),
        "is_settlement": c.is_settlement,
        "decimals": c.decimals,
        "balance_token_native": c.balance_native,
        "valued_balance_token_native": c.valued_balance_native,
        "price_low_e12": c.price_low_e12,
        "price_high_e12": c.price_high_e12,
        "init_weight_bps": c.init_weight_bps,
        "maint_weight_bps": c.maint_weight_bps,
        "value_native": c.value_native,
        "haircut_im_native": c.haircut_im_native,
        "haircut_mm_native": c.haircut_mm_native,
        "follows_underlying": c.follows_underlying.map(|k| k.to_string()),
    })
}

fn position_json(p: &PositionRow) -> Value {
    json!({
        "series": p.series.to_string(),
        "underlying": p.underlying.to_string(),
        "underlying_index": p.underlying_index,
        "is_call": p.is_call,
        "strike_e12": p.strike_e12,
        "expiry_ts": p.expiry_ts,
        "contract_size_e6": p.contract_size_e6,
        "lot_size_contracts": p.lot_size_contracts,
        "size_contracts": p.size_contracts,
        "mark_per_contract_native": p.mark_native,
        "mark_value_native": p.mark_value_native,
        "cost_basis_native": p.cost_basis_native,
        "unrealized_pnl_native": p.unrealized_pnl_native,
        "realized_pnl_native": p.realized_pnl_native,
        "delta_underlying_e9": p.delta_e9,
        "gamma_underlying_e9_per_1pct": p.gamma_e9,
        "vega_native_per_vol_point": p.vega_native,
        "theta_native_per_day": p.theta_native,
        "vol_e6": p.vol_e6,
        "risk_computed_at_ts": p.risk_computed_at_ts,
        "spot_ref_e12": p.spot_ref_e12,
        "settled": p.settled,
        "settlement_price_e12": p.settlement_price_e12,
    })
}

fn underlying_json(u: &UnderlyingDistance) -> Value {
    let spot = u.market.spot_e12;
    let mut v = json!({
        "underlying": u.underlying.to_string(),
        "spot_e12": spot,
        "vol_e6": u.market.vol_e6,
        "rate_e6": u.market.rate_e6,
        "priced_at_ts": u.market.now_ts,
        "vols_differ": u.vols_differ,
    });
    match &u.outcome {
        Err(e) => v["error"] = json!(format!("{e:?}")),
        Ok(o) => {
            let side =
                |t: Option<u64>| t.map(|x| json!({"spot_e12": x, "move_bps": move_bps(spot, x)}));
            v["current_tier"] = json!(o.tiers.current_tier);
            v["model_equity_native"] = json!(o.at_spot.equity_native);
            v["model_mm_native"] = json!(o.at_spot.mm_native);
            v["model_ratio_bps"] = json!(o.at_spot.ratio_bps);
            v["tiers"] = json!((0..TIER_COUNT)
                .map(|k| json!({
                    "tier": k + 1,
                    "down": side(o.tiers.down_trigger_spot_e12[k]),
                    "up": side(o.tiers.up_trigger_spot_e12[k]),
                }))
                .collect::<Vec<_>>());
        }
    }
    v
}

/// A trigger spot and its move from `spot`, or "—" twice.
fn trigger(spot: u64, at: Option<u64>) -> (String, String) {
    match at {
        None => (NONE.into(), NONE.into()),
        Some(x) => (price(x), signed_pct(move_bps(spot, x))),
    }
}

fn equity_loss(native: u64) -> String {
    if native == 0 {
        "0.00 (in it now)".into()
    } else {
        fixed(i128::from(native), 6, 2)
    }
}

/// Column alignment.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// A table of text cells, each column as wide as its widest cell.
struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(columns: &[(&str, Align)]) -> Self {
        Self {
            header: columns.iter().map(|(h, _)| (*h).to_string()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn widths(&self, with_header: bool) -> Vec<usize> {
        let mut w = vec![0usize; self.header.len()];
        let header = with_header.then_some(&self.header);
        for cells in header.into_iter().chain(self.rows.iter()) {
            for (k, c) in cells.iter().enumerate().take(w.len()) {
                w[k] = w[k].max(c.chars().count());
            }
        }
        w
    }

    fn line(&self, cells: &[String], widths: &[usize], out: &mut String) {
        let mut line = String::from("  ");
        for (k, c) in cells.iter().enumerate().take(widths.len()) {
            let pad = " ".repeat(widths[k] - c.chars().count());
            match self.align[k] {
                Align::Left => line.push_str(&format!("{c}{pad}")),
                Align::Right => line.push_str(&format!("{pad}{c}")),
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }

    /// With the header and a rule under it.
    fn render(&self, out: &mut String) {
        let widths = self.widths(true);
        self.line(&self.header, &widths, out);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        self.line(&rule, &widths, out);
        for r in &self.rows {
            self.line(r, &widths, out);
        }
    }

    /// Rows only.
    fn render_bare(&self, out: &mut String) {
        let widths = self.widths(false);
        for r in &self.rows {
            self.line(r, &widths, out);
        }
    }
}

/// `value / 10^scale` with `decimals` decimals (rounded half away from
/// zero) and thousands separators.
pub(crate) fn fixed(value: i128, scale: u32, decimals: u32) -> String {
    let decimals = decimals.min(scale);
    let drop = 10i128.pow(scale - decimals);
    let m = value.unsigned_abs();
    let drop_u = drop.unsigned_abs();
    let rounded = (m + drop_u / 2) / drop_u;
    let unit = 10u128.pow(decimals);
    let (whole, frac) = (rounded / unit, rounded % unit);
    let sign = if value < 0 && rounded != 0 { "-" } else { "" };
    let whole = group_digits(&whole.to_string());
    if decimals == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac:0width$}", width = decimals as usize)
    }
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn group(v: i128) -> String {
    fixed(v, 0, 0)
}

/// Quote native as USD with 2 decimals.
pub(crate) fn usd(native: i64) -> String {
    fixed(i128::from(native), 6, 2)
}

/// As [`usd`], with a `+` on gains.
fn signed_usd(native: i64) -> String {
    let s = usd(native);
    if native > 0 && s != "0.00" {
        format!("+{s}")
    } else {
        s
    }
}

/// Token native with all of the token's decimals.
pub(crate) fn tokens(native: i64, decimals: u8) -> String {
    let d = u32::from(decimals);
    fixed(i128::from(native), d, d)
}

/// e12 USD as a price: 2 decimals, more below 10 USD so that at least
/// four significant digits show (up to 12).
pub(crate) fn price(e12: u64) -> String {
    let mut decimals = 2u32;
    let mut threshold = 10_000_000_000_000u64;
    while e12 < threshold && decimals < 12 && e12 != 0 {
        decimals += 1;
        threshold /= 10;
    }
    fixed(i128::from(e12), 12, decimals.max(2))
}

/// bps as "%" with 2 decimals.
pub(crate) fn pct(bps: u64) -> String {
    format!("{} %", fixed(i128::from(bps), 2, 2))
}

fn signed_pct(bps: i64) -> String {
    let s = fixed(i128::from(bps), 2, 2);
    if bps > 0 {
        format!("+{s} %")
    } else {
        format!("{s} %")
    }
}

/// A ratio in bps, "no MM" for [`RATIO_NO_MARGIN`].
fn ratio(bps: u64) -> String {
    if bps == RATIO_NO_MARGIN {
        "∞ (no MM)".into()
    } else {
        pct(bps)
    }
}

/// e6 volatility as "%".
fn vol(e6: u32) -> String {
    format!("{} %", fixed(i128::from(e6), 4, 2))
}

/// "Abcd…wxyz".
fn short_key(key: &Pubkey) -> String {
    let s = key.to_string();
    let n = s.chars().count();
    if n <= 9 {
        return s;
    }
    let head: String = s.chars().take(4).collect();
    let tail: String = s.chars().skip(n - 4).collect();
    format!("{head}…{tail}")
}

/// Unix seconds as "YYYY-MM-DD HH:MM UTC" (proleptic Gregorian).
pub(crate) fn utc_time(ts: i64) -> String {
    crate::time::date_time_minutes(ts)
}
