//! The seeded population: option books people hold, each a named strategy
//! against one market maker, built on chain through the SDK (accounts,
//! deposits, trades at the mark with the refreshes the SDK prepends), then
//! brought to a drawn leverage by withdrawing down to a multiple of the
//! initial margin the program computes, so that a share starts close to it.

use anchor_lang::prelude::Pubkey;
use options_margin::health::Valuation;
use options_margin::state::Series;
use options_margin_client::actions::{self, Side, TradeRequest};
use options_margin_client::client::Client;
use options_margin_client::decode::fetch;
use options_margin_client::error::ClientResult;
use options_margin_client::snapshot::Snapshot;
use options_margin_client::{ix, pda, token, Chain};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The simulated exchange: USDC, SOL collateral, SOL options at 30 days.
/// Grace and the parameter delay at the risk crate's shortest hour (the
/// regime's tiers are proposed, then applied an hour later).
pub const EXCHANGE_TOML: &str = r#"
[exchange]
vol_authority = "admin"

[risk]
param_delay_secs = 3600

[[collateral]]
symbol = "USDC"
mint = "new"
decimals = 6
settlement = true
oracle = { feed = "eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a" }
init_weight_bps = 10000
maint_weight_bps = 10000
deposit_cap = "100000000000"

[[collateral]]
symbol = "SOL"
mint = "new"
decimals = 9
oracle = { feed = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d", max_age_secs = 60, max_conf_bps = 200, conf_k_bps = 10000 }
init_weight_bps = 8000
maint_weight_bps = 9000
deposit_cap = "100000000"
local_price = "150"

[[underlying]]
symbol = "SOL"
oracle = { feed = "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d" }
rate = "0.05"
vol_max_age_secs = 3600
short_floor_mm_bps = 100
short_floor_im_bps = 150
max_vol_change_bps = 5000
vol_change_window_secs = 3600
local_price = "150"

[[series]]
underlying = "SOL"
kind = "put"
strike = "150"
expiry_days = 30
vol = "0.75"

[[series]]
underlying = "SOL"
kind = "put"
strike = "140"
expiry_days = 30
vol = "0.75"

[[series]]
underlying = "SOL"
kind = "put"
strike = "130"
expiry_days = 30
vol = "0.75"

[[series]]
underlying = "SOL"
kind = "put"
strike = "120"
expiry_days = 30
vol = "0.75"

[[series]]
underlying = "SOL"
kind = "call"
strike = "150"
expiry_days = 30
vol = "0.75"

[[series]]
underlying = "SOL"
kind = "call"
strike = "160"
expiry_days = 30
vol = "0.75"

[[series]]
underlying = "SOL"
kind = "call"
strike = "170"
expiry_days = 30
vol = "0.75"

[[series]]
underlying = "SOL"
kind = "call"
strike = "180"
expiry_days = 30
vol = "0.75"
"#;

/// The series of [`EXCHANGE_TOML`], in file order.
pub const SERIES: [&str; 8] = [
    "P150", "P140", "P130", "P120", "C150", "C160", "C170", "C180",
];

fn series_index(label: &str) -> usize {
    SERIES
        .iter()
        .position(|s| *s == label)
        .expect("known series")
}

/// A named strategy: legs of `(series label, contracts per unit, sign)`,
/// long legs first (so every fill on the way meets initial margin).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    NakedPut,
    NakedCall,
    ShortStrangle,
    PutCreditSpread,
    CallDebitSpread,
    IronCondor,
    CoveredCall,
    LongStraddle,
}

/// Strategies with their share of the population (percent).
pub const MIX: [(Strategy, u32); 8] = [
    (Strategy::NakedPut, 25),
    (Strategy::NakedCall, 8),
    (Strategy::ShortStrangle, 15),
    (Strategy::PutCreditSpread, 15),
    (Strategy::CallDebitSpread, 5),
    (Strategy::IronCondor, 17),
    (Strategy::CoveredCall, 10),
    (Strategy::LongStraddle, 5),
];

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::NakedPut => "naked short put",
            Strategy::NakedCall => "naked short call",
            Strategy::ShortStrangle => "short strangle",
            Strategy::PutCreditSpread => "put credit spread",
            Strategy::CallDebitSpread => "call debit spread",
            Strategy::IronCondor => "iron condor",
            Strategy::CoveredCall => "covered call",
            Strategy::LongStraddle => "long straddle",
        }
    }

    /// `(series, sign)`: +1 long, −1 short.
    pub fn legs(self) -> &'static [(&'static str, i64)] {
        match self {
            Strategy::NakedPut => &[("P140", -1)],
            Strategy::NakedCall => &[("C170", -1)],
            Strategy::ShortStrangle => &[("P130", -1), ("C170", -1)],
            Strategy::PutCreditSpread => &[("P120", 1), ("P140", -1)],
            Strategy::CallDebitSpread => &[("C160", 1), ("C180", -1)],
            Strategy::IronCondor => &[("P120", 1), ("C180", 1), ("P140", -1), ("C160", -1)],
            Strategy::CoveredCall => &[("C160", -1)],
            Strategy::LongStraddle => &[("P150", 1), ("C150", 1)],
        }
    }
}

/// One drawn trader.
pub struct Trader {
    pub owner: Keypair,
    pub strategy: Strategy,
    /// unit: contracts per leg.
    pub contracts: i64,
    /// Equity kept as a multiple of the initial margin after the trades.
    pub im_multiple: f64,
}

impl Trader {
    pub fn margin(&self, exchange: &Pubkey) -> Pubkey {
        pda::margin_account(exchange, &self.owner.pubkey(), 0).0
    }
}

/// A keypair from the seeded stream (the same seed, the same addresses).
pub fn keypair(rng: &mut ChaCha8Rng) -> Keypair {
    Keypair::new_from_array(rng.gen())
}

/// `n` traders: strategy by [`MIX`], 5–50 contracts a leg, and 35% of them
/// kept within 2–15% above initial margin (the rest 1.2–4×).
pub fn draw(n: usize, rng: &mut ChaCha8Rng) -> Vec<Trader> {
    (0..n)
        .map(|_| {
            let owner = keypair(rng);
            let mut pick = rng.gen_range(0..100u32);
            let mut strategy = MIX[0].0;
            for (s, share) in MIX {
                if pick < share {
                    strategy = s;
                    break;
                }
                pick -= share;
            }
            let contracts = rng.gen_range(5..=50);
            let im_multiple = if rng.gen::<f64>() < 0.35 {
                rng.gen_range(1.02..1.15)
            } else {
                rng.gen_range(1.2..4.0)
            };
            Trader {
                owner,
                strategy,
                contracts,
                im_multiple,
            }
        })
        .collect()
}

/// What the population setup needs to know about the exchange.
pub struct Market {
    pub exchange: Pubkey,
    pub usdc: Pubkey,
    pub sol: Pubkey,
    /// In [`SERIES`] order.
    pub series: Vec<Pubkey>,
}

/// unit: lamports. Rent and fees for one trader (margin account, two token accounts).
const TRADER_LAMPORTS: u64 = 50_000_000;

/// Creates `owner`'s margin account, funded with `usdc` (and `sol`) native,
/// minted by the admin (the client's payer, the mints' authority).
pub async fn open_account<C: Chain>(
    admin: &Client<C>,
    m: &Market,
    owner: &Keypair,
    usdc: u64,
    sol: u64,
) -> ClientResult<()> {
    let a = admin.payer_key();
    let o = owner.pubkey();
    let side = Side {
        owner: o,
        account_index: 0,
    };
    let mut ixs = vec![
        solana_system_interface::instruction::transfer(&a, &o, TRADER_LAMPORTS),
        token::create_ata_idempotent(&a, &o, &m.usdc),
        token::mint_to(&m.usdc, &token::ata(&o, &m.usdc), &a, usdc)?,
        ix::create_margin_account(&o, &m.exchange, 0),
        actions::deposit(&m.exchange, side, &m.usdc, usdc),
    ];
    if sol > 0 {
        ixs.extend([
            token::create_ata_idempotent(&a, &o, &m.sol),
            token::mint_to(&m.sol, &token::ata(&o, &m.sol), &a, sol)?,
            actions::deposit(&m.exchange, side, &m.sol, sol),
        ]);
    }
    admin.send(&ixs, &[owner]).await?;
    Ok(())
}

/// What the setup did, in native units (the conservation check's inputs).
#[derive(Default, Debug, Clone, Serialize)]
pub struct Funding {
    /// unit: USDC native deposited, by everyone.
    pub usdc_in: u64,
    /// unit: USDC native withdrawn.
    pub usdc_out: u64,
    /// unit: SOL native deposited.
    pub sol_in: u64,
    /// Trades or withdrawals the program refused (the trader keeps what it had).
    pub refused: u64,
}

/// Opens every trader's account and fills its strategy against `maker`.
pub async fn build<C: Chain>(
    admin: &Client<C>,
    m: &Market,
    maker: &Keypair,
    traders: &[Trader],
    funding: &mut Funding,
    mut progress: impl FnMut(),
) -> ClientResult<()> {
    let mut marks = Vec::new();
    for s in &m.series {
        let series: Series = fetch(&admin.chain, s).await?;
        marks.push(series.risk.mark_native.max(1) as u64);
    }
    for t in traders {
        let legs = t.strategy.legs();
        // Generous at first: the excess is withdrawn once the program has priced the book.
        let usdc = (t.contracts as u64) * legs.len() as u64 * 80_000_000 + 500_000_000;
        let sol = if t.strategy == Strategy::CoveredCall {
            t.contracts as u64 * 1_000_000_000
        } else {
            0
        };
        open_account(admin, m, &t.owner, usdc, sol).await?;
        funding.usdc_in += usdc;
        funding.sol_in += sol;
        let me = Side {
            owner: t.owner.pubkey(),
            account_index: 0,
        };
        let mm = Side {
            owner: maker.pubkey(),
            account_index: 0,
        };
        for (label, sign) in legs {
            let i = series_index(label);
            let (a, b) = if *sign > 0 { (me, mm) } else { (mm, me) };
            let r = TradeRequest {
                exchange: m.exchange,
                a,
                b,
                series: m.series[i],
                size_lots: t.contracts,
                premium_per_contract_native: marks[i],
            };
            let ixs = actions::trade(&admin.chain, &admin.prices, &r).await?;
            if admin.send(&ixs, &[&t.owner, maker]).await.is_err() {
                funding.refused += 1;
            }
        }
        progress();
    }
    Ok(())
}

/// Withdraws each trader's USDC down to its drawn multiple of initial
/// margin, as the program values it (conservatively, as withdrawals are).
pub async fn lever<C: Chain>(
    admin: &Client<C>,
    m: &Market,
    traders: &[Trader],
    funding: &mut Funding,
) -> ClientResult<()> {
    let snapshot = Snapshot::load(&admin.chain, &admin.prices, &m.exchange).await?;
    for t in traders {
        let margin = t.margin(&m.exchange);
        let account = fetch(&admin.chain, &margin).await?;
        let Ok(s) = snapshot.summary(&account, Valuation::Conservative) else {
            funding.refused += 1;
            continue;
        };
        let keep = (s.initial_margin_native as f64 * t.im_multiple).ceil() as i64;
        let usdc_balance = account
            .active_collaterals()
            .find(|c| c.mint == m.usdc)
            .map_or(0, |c| c.balance_native);
        let amount = (s.equity_native - keep).min(usdc_balance);
        if amount <= 0 {
            continue;
        }
        let side = Side {
            owner: t.owner.pubkey(),
            account_index: 0,
        };
        let ixs = actions::withdraw(
            &admin.chain,
            &admin.prices,
            &m.exchange,
            side,
            &m.usdc,
            amount as u64,
        )
        .await?;
        match admin.send(&ixs, &[&t.owner]).await {
            Ok(_) => funding.usdc_out += amount as u64,
            Err(_) => funding.refused += 1,
        }
    }
    Ok(())
}
