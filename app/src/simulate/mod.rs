//! `options-margin simulate`: tiered partial liquidation against full
//! liquidation on the real program, through the client SDK and the keeper
//! bot, on identical seeded populations and price paths.
//!
//! Per regime (a configuration of the same program, applied through
//! `propose_risk_params` / `apply_risk_params`): a fresh embedded chain,
//! the exchange of [`population::EXCHANGE_TOML`] created by `exchange
//! init`'s own code, the seeded population, then one step per price
//! update: the clock moves, a Pyth `PriceUpdateV2` is published, the
//! volatility authority moves vol toward the scenario's target within the
//! program's rate limit, the series are refreshed, and the keeper bot runs
//! one pass; insurance accruals are swept. Every transaction goes through
//! the block-capacity scheduler ([`scheduler`]). Every figure reported is
//! read back from the chain or from the program's events ([`metrics`]).

pub mod metrics;
pub mod plots;
pub mod population;
pub mod report;
pub mod scenario;
pub mod scheduler;

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use options_margin::state::{MarginAccount, RiskParams, Series};
use options_margin_client::client::Client;
use options_margin_client::decode::{decode, fetch, series_of_exchange};
use options_margin_client::embedded::{program_test, EmbeddedChain};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::pyth_local::PullPrice;
use options_margin_client::setup::ExchangeConfig;
use options_margin_client::snapshot::Snapshot;
use options_margin_client::{ix, oracles, Chain};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::backend::Backend;
use crate::keeper::{Keeper, KeeperConfig};
use population::{Funding, Market, Trader};
use scenario::{Scenario, Step};
use scheduler::{Landed, SimChain, SLOT_MS};

/// A liquidation regime: the liquidation parameters (and nothing else) of the exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// The defaults: the seed's tiers (105% / 102% / 100%), soft calls
    /// releasing up to 10% / 25% of the account's MM, closeouts of just
    /// enough down to the flatten threshold, whole candidates below it.
    Tiered,
    /// The first release's defaults: soft calls of up to 10% / 25% of one
    /// candidate, a one-hour grace period, every closeout of whole
    /// candidates, a flat fee rate.
    TieredV1,
    /// Full liquidation: whole candidates below 100%, call after call. The
    /// risk crate requires three strictly descending tiers ending at 100%,
    /// so the closest allowed configuration is 100.02% / 100.01% / 100%,
    /// each closing up to the whole candidate, flattening every closeout,
    /// at the seed's flat fee rate.
    Full,
    /// Just enough, no tier caps: the seed's thresholds, every tier up to
    /// 100%, no flattening short of bankruptcy.
    Uncapped,
}

impl Regime {
    pub fn parse(name: &str) -> ClientResult<Self> {
        match name {
            "tiered" | "partial" => Ok(Regime::Tiered),
            "tiered-v1" | "v1" => Ok(Regime::TieredV1),
            "full" => Ok(Regime::Full),
            "uncapped" | "just-enough" => Ok(Regime::Uncapped),
            other => Err(ClientError::Input(format!(
                "regime {other:?}: tiered, tiered-v1, full or uncapped"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Regime::Tiered => "tiered",
            Regime::TieredV1 => "tiered-v1",
            Regime::Full => "full",
            Regime::Uncapped => "uncapped",
        }
    }

    /// The exchange's parameters under this regime, validated by the risk crate.
    pub fn risk(self, base: RiskParams) -> ClientResult<RiskParams> {
        let mut r = base;
        let tiers: [(u32, u32); 3] = match self {
            Regime::Tiered => return Ok(base),
            Regime::TieredV1 => {
                r.soft_cap_basis = options_margin_risk::params::CAP_OF_CANDIDATE;
                r.flatten_below_ratio_bps = 10_000;
                r.grace_period_secs = 3_600;
                r.fee_rate_max_bps = r.fee_rate_bps;
                [(10_500, 1_000), (10_200, 2_500), (10_000, 10_000)]
            }
            Regime::Full => {
                r.flatten_below_ratio_bps = 10_000;
                r.fee_rate_max_bps = r.fee_rate_bps;
                [(10_002, 10_000), (10_001, 10_000), (10_000, 10_000)]
            }
            Regime::Uncapped => {
                r.flatten_below_ratio_bps = 0;
                [(10_500, 10_000), (10_200, 10_000), (10_000, 10_000)]
            }
        };
        for (t, (below, fraction)) in r.tiers.iter_mut().zip(tiers) {
            t.below_ratio_bps = below;
            t.max_fraction_bps = fraction;
        }
        r.as_risk()
            .validate()
            .map_err(|e| ClientError::Input(format!("regime {}: {e:?}", self.name())))?;
        Ok(r)
    }
}

/// One simulation's inputs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub accounts: usize,
    pub seed: u64,
    pub scenario: Scenario,
    pub regimes: Vec<Regime>,
    /// `(RiskParams field, value)` applied to every regime after its own settings.
    pub risk_overrides: Vec<(String, i64)>,
    /// The cascade model: precision: bps of price per 1M USD of spot the
    /// liquidators sell (or buy) to hedge the delta they took over; the
    /// impact is permanent and moves every later published price (0: off).
    pub impact_bps_per_musd: f64,
}

/// What one regime's run left on chain and in the events.
pub struct RegimeRun {
    pub regime: Regime,
    pub risk: RiskParams,
    pub traders: Vec<TraderState>,
    pub liquidator_before: i64,
    pub liquidator_after: i64,
    pub liquidations: Vec<(i64, Landed)>,
    pub bankruptcies: Vec<options_margin::events::BankruptcyEvent>,
    pub ledger: scheduler::Ledger,
    /// `(t_secs, ratio_bps)` of the sample trader per step.
    pub sample: Vec<(i64, u64)>,
    /// precision: 1e-8 USD. The prices published (the path with the cascade's impact).
    pub published_e8: Vec<i64>,
    pub books: metrics::Books,
    pub funding: Funding,
    /// unit: seconds of wall time: setup, then the path.
    pub wall_secs: (f64, f64),
    /// The chain as the path left it, and its market (for checks against it).
    pub chain: EmbeddedChain,
    pub market: Market,
    /// unit: account-seconds. Time traders spent in each tier after the keeper's pass.
    pub tier_secs: [i64; 3],
    /// unit: quote native per contract per volatility point. The series'
    /// stored vega of each liquidation's target when it landed (0: collateral).
    pub liquidation_vega: Vec<i64>,
    /// precision: e9 SOL. The delta each liquidation handed the liquidator
    /// (quantity received × the series' stored delta; collateral: the SOL),
    /// and precision: 1e-8 USD, the price published at that step.
    pub liquidation_delta_e9: Vec<i128>,
    pub liquidation_spot_e8: Vec<i64>,
    /// unit: quote native per volatility point. Most |vega| the liquidator held.
    pub liquidator_peak_vega_native: i64,
    /// unit: quote native. Most initial margin the liquidator's account required.
    pub liquidator_peak_im_native: i64,
    /// The keeper's decisions that did not end in a transaction, by action, outcome and reason.
    pub keeper_outcomes: BTreeMap<String, u64>,
}

/// A trader at the start and at the end of the path.
pub struct TraderState {
    pub key: Pubkey,
    pub strategy: population::Strategy,
    pub start: MarginAccount,
    pub end: MarginAccount,
    pub start_summary: Option<options_margin::health::MarginSummary>,
    pub end_summary: Option<options_margin::health::MarginSummary>,
}

/// unit: lamports. What the admin is given to pay rent for everyone.
const ADMIN_LAMPORTS: u64 = 20_000 * 1_000_000_000;
/// unit: lamports. The bot's transaction fees (5,000 lamports a signature,
/// a transaction per call): a keeper that runs dry of SOL stops
/// liquidating, as one on a cluster would.
const BOT_LAMPORTS: u64 = 1_000 * 1_000_000_000;
/// unit: USDC native. The market maker's and the bot's deposits.
const MAKER_USDC: u64 = 100_000_000 * 1_000_000;
const BOT_USDC: u64 = 100_000_000 * 1_000_000;

/// The seeded actors of a run: the same for every regime.
pub struct Actors {
    pub admin: Keypair,
    pub maker: Keypair,
    pub bot: Keypair,
    pub traders: Vec<Trader>,
}

impl Actors {
    pub fn draw(cfg: &SimConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        Self {
            admin: population::keypair(&mut rng),
            maker: population::keypair(&mut rng),
            bot: population::keypair(&mut rng),
            traders: population::draw(cfg.accounts, &mut rng),
        }
    }

    /// The trader whose ratio the report follows: the most levered naked put writer.
    pub fn sample(&self) -> usize {
        self.traders
            .iter()
            .enumerate()
            .filter(|(_, t)| t.strategy == population::Strategy::NakedPut)
            .min_by(|a, b| a.1.im_multiple.total_cmp(&b.1.im_multiple))
            .map_or(0, |(i, _)| i)
    }
}

/// The path of `cfg` (seeded apart from the population, so `--accounts` does not move it).
pub fn path(cfg: &SimConfig) -> Vec<Step> {
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ PATH_SALT);
    cfg.scenario.path(150_0000_0000, 750_000, &mut rng)
}

/// Mixed into the seed of the price path.
const PATH_SALT: u64 = 0x5eed_9a70;

fn client<'a>(chain: &'a SimChain<'a>, payer: &Keypair) -> Client<&'a SimChain<'a>> {
    Client::new(chain, payer.insecure_clone())
}

/// The exchange created by `exchange init`'s code on a fresh chain, the
/// regime's parameters applied an hour later; the chain and its market.
async fn exchange(
    actors: &Actors,
    regime: Regime,
    overrides: &[(String, i64)],
) -> ClientResult<(EmbeddedChain, Market, RiskParams)> {
    let chain = EmbeddedChain::start(program_test()).await;
    let profile_path = std::env::temp_dir().join(format!(
        "options-margin-simulate-{}-{}.json",
        std::process::id(),
        regime.name()
    ));
    let mut ctx = crate::Context {
        client: Client::new(
            Backend::Embedded(Box::new(chain)),
            actors.admin.insecure_clone(),
        ),
        profile: Default::default(),
        profile_path: profile_path.clone(),
        global: crate::cli::Cli::parse_from(["options-margin"]).global,
    };
    ctx.client
        .chain
        .airdrop(&actors.admin.pubkey(), ADMIN_LAMPORTS)
        .await?;
    let config = ExchangeConfig::from_toml(population::EXCHANGE_TOML)?;
    crate::commands::exchange::init_from(&mut ctx, &config).await?;
    let _ = std::fs::remove_file(&profile_path);
    let exchange_key = ctx.profile.exchange.expect("init records the exchange");
    let (usdc, sol) = (ctx.profile.collaterals[0].1, ctx.profile.collaterals[1].1);
    let Backend::Embedded(chain) = ctx.client.chain else {
        return Err(ClientError::Input(
            "the simulator runs on the embedded chain".into(),
        ));
    };
    let mut chain = *chain;
    let mut series: Vec<(Pubkey, Series)> = series_of_exchange(&chain, &exchange_key).await?;
    let label = |s: &Series| {
        format!(
            "{}{}",
            if s.is_call != 0 { "C" } else { "P" },
            s.strike_e12 / 1_000_000_000_000
        )
    };
    series.sort_by_key(|(_, s)| {
        population::SERIES
            .iter()
            .position(|l| *l == label(s))
            .unwrap_or(usize::MAX)
    });
    let market = Market {
        exchange: exchange_key,
        usdc,
        sol,
        series: series.iter().map(|(k, _)| *k).collect(),
    };
    let mut risk = regime.risk(config.risk_params()?)?;
    for (field, value) in overrides {
        options_margin_client::setup::set_risk_field(&mut risk, field, *value)?;
    }
    risk.as_risk()
        .validate()
        .map_err(|e| ClientError::Input(format!("--risk: {e:?}")))?;
    {
        let sim = SimChain::new(&chain, None);
        let admin = client(&sim, &actors.admin);
        admin
            .send(
                &[ix::propose_risk_params(
                    &actors.admin.pubkey(),
                    &exchange_key,
                    risk,
                )],
                &[],
            )
            .await?;
    }
    chain
        .advance_time(i64::from(risk.param_delay_secs) + 1)
        .await;
    chain.next_slot().await;
    {
        let sim = SimChain::new(&chain, None);
        let admin = client(&sim, &actors.admin);
        admin
            .send(&[ix::apply_risk_params(&exchange_key)], &[])
            .await?;
    }
    Ok((chain, market, risk))
}

/// Publishes SOL at `price_e8`, stamped now (collateral and underlying share the feed).
async fn publish(chain: &mut EmbeddedChain, feed: &[u8; 32], price_e8: i64) {
    let now = chain.now().await;
    let update = PullPrice::usd_e8(*feed, price_e8, (price_e8 / 2_000) as u64, now);
    chain.set_account(&oracles::push_feed_account(feed, 0), update.to_account());
}

/// The volatility authority's step: toward `target_e6`, within the
/// program's rate limit (with a 1% margin), whenever it moved by 0.5% or
/// half the freshness window passed; then every series refreshed.
async fn crank<C: Chain>(admin: &Client<C>, m: &Market, target_e6: u32) -> ClientResult<()> {
    let mut ixs = Vec::new();
    let now = admin.chain.clock().await?.unix_timestamp;
    for s in &m.series {
        let series: Series = fetch(&admin.chain, s).await?;
        let u: options_margin::state::Underlying = fetch(&admin.chain, &series.underlying).await?;
        let elapsed = (now - series.vol_updated_ts).clamp(0, i64::from(u.vol_change_window_secs));
        let room = u64::from(series.vol_e6) * u64::from(u.max_vol_change_bps) * elapsed as u64
            / u64::from(u.vol_change_window_secs.max(1))
            / 10_000
            * 99
            / 100;
        let cur = i64::from(series.vol_e6);
        let next = i64::from(target_e6).clamp(cur - room as i64, cur + room as i64);
        let stale = now - series.vol_updated_ts >= i64::from(u.vol_max_age_secs) / 2;
        if (next - cur).abs() * 200 >= cur || stale {
            ixs.push(ix::set_volatility(
                &admin.payer_key(),
                &m.exchange,
                &series.underlying,
                s,
                next as u32,
            ));
        }
        ixs.push(options_margin_client::actions::refresh(&admin.chain, &admin.prices, s).await?);
    }
    for chunk in ixs.chunks(8) {
        admin.send(chunk, &[]).await?;
    }
    Ok(())
}

/// Every options-margin account by data length (the index an RPC node
/// keeps for `getProgramAccounts`; no account is created after setup).
async fn program_index(chain: &EmbeddedChain) -> ClientResult<scheduler::ProgramIndex> {
    let mut index = scheduler::ProgramIndex::new();
    for (k, a) in chain.program_accounts(&options_margin::ID, &[]).await? {
        index.entry(a.data.len() as u64).or_default().push(k);
    }
    Ok(index)
}

async fn read_traders(chain: &EmbeddedChain, keys: &[Pubkey]) -> ClientResult<Vec<MarginAccount>> {
    chain
        .accounts(keys)
        .await?
        .into_iter()
        .zip(keys)
        .map(|(a, k)| {
            a.and_then(|a| decode::<MarginAccount>(&a.data))
                .ok_or(ClientError::AccountNotFound(*k))
        })
        .collect()
}

/// Runs one regime end to end; `tick` after each setup account and step.
pub async fn run_regime(
    cfg: &SimConfig,
    actors: &Actors,
    regime: Regime,
    path: &[Step],
    tick: &dyn Fn(),
) -> ClientResult<RegimeRun> {
    let clock = std::time::Instant::now();
    let (mut chain, m, risk) = exchange(actors, regime, &cfg.risk_overrides).await?;
    let feed = {
        let u: options_margin::state::Underlying =
            fetch(&chain, &options_margin::pda::underlying(&m.exchange, 0).0).await?;
        u.oracle.feed
    };
    publish(&mut chain, &feed, path[0].price_e8).await;
    let mut funding = Funding::default();
    {
        let payer = chain.payer();
        let fund = solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &actors.bot.pubkey(),
            BOT_LAMPORTS,
        );
        EmbeddedChain::send(&mut chain, &[fund], &[])
            .await
            .map_err(|e| ClientError::Transaction(e, Vec::new()))?;
    }
    {
        let sim = SimChain::new(&chain, None);
        let admin = client(&sim, &actors.admin);
        crank(&admin, &m, path[0].vol_target_e6).await?;
        for (who, usdc) in [(&actors.maker, MAKER_USDC), (&actors.bot, BOT_USDC)] {
            population::open_account(&admin, &m, who, usdc, 0).await?;
            funding.usdc_in += usdc;
        }
        population::build(
            &admin,
            &m,
            &actors.maker,
            &actors.traders,
            &mut funding,
            tick,
        )
        .await?;
        population::lever(&admin, &m, &actors.traders, &mut funding).await?;
    }
    let keys: Vec<Pubkey> = actors
        .traders
        .iter()
        .map(|t| t.margin(&m.exchange))
        .collect();
    let bot_margin = options_margin::pda::margin_account(&m.exchange, &actors.bot.pubkey(), 0).0;
    let index = program_index(&chain).await?;
    let mut snapshot = Snapshot::load(&chain, &Default::default(), &m.exchange).await?;
    let start = read_traders(&chain, &keys).await?;
    let start_summaries = metrics::summaries(&snapshot, &start);
    let liquidator_before = metrics::equity(&snapshot, &fetch(&chain, &bot_margin).await?);
    let setup_secs = clock.elapsed().as_secs_f64();

    let t0 = chain.now().await;
    let sample_key = keys.get(actors.sample()).copied();
    let mut sample = Vec::with_capacity(path.len());
    let mut ledger = scheduler::Ledger::default();
    let mut liquidations = Vec::new();
    let mut bankruptcies = Vec::new();
    let mut kcfg = KeeperConfig::new(m.exchange);
    // A refused (deferred) send is retried next pass, never skipped for long.
    kcfg.max_failures = u32::MAX;
    let mut impact = 1.0f64;
    let mut published_e8 = Vec::with_capacity(path.len());
    let tiers = risk.as_risk().liquidation();
    let mut tier_secs = [0i64; 3];
    let mut liquidation_vega = Vec::new();
    let (mut liquidation_delta_e9, mut liquidation_spot_e8) = (Vec::new(), Vec::new());
    let (mut peak_vega, mut peak_im) = (0i64, 0i64);
    let mut keeper_outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for (i, st) in path.iter().enumerate() {
        chain.set_time(t0 + st.t_secs).await;
        let price_e8 = (st.price_e8 as f64 * impact).round() as i64;
        published_e8.push(price_e8);
        publish(&mut chain, &feed, price_e8).await;
        chain.next_slot().await;
        let sim = SimChain::new(&chain, Some(&index));
        let first_slot = (st.t_secs * 1_000 / SLOT_MS) as u64;
        let next_slot = ((st.t_secs + cfg.scenario.step_secs) * 1_000 / SLOT_MS) as u64;
        sim.begin_step(first_slot, next_slot, snapshot);
        let admin = client(&sim, &actors.admin);
        if i > 0 {
            crank(&admin, &m, st.vol_target_e6).await?;
        }
        sim.update_snapshot(&m).await?;
        if let Some(k) = sample_key {
            let a: MarginAccount = fetch(&sim, &k).await?;
            let ratio = sim.with_snapshot(|s| metrics::ratio(s, &a));
            sample.push((st.t_secs, ratio));
        }
        let bot = client(&sim, &actors.bot);
        let mut keeper = Keeper::new(&bot, kcfg.clone());
        for d in keeper.pass().await {
            let (kind, why) = match &d.outcome {
                crate::keeper::Outcome::Done(_) => continue,
                crate::keeper::Outcome::Outcompeted(w) => ("outcompeted", w),
                crate::keeper::Outcome::Waiting(w) => ("waiting", w),
                crate::keeper::Outcome::Failed(w) => ("failed", w),
            };
            let why: String = why.chars().take(80).collect();
            *keeper_outcomes
                .entry(format!("{} {kind}: {why}", d.action))
                .or_default() += 1;
        }
        let mut step = sim.take_ledger();
        let touched: Vec<Pubkey> = {
            let mut v: Vec<Pubkey> = step
                .liquidations
                .iter()
                .map(|l| l.event.liquidatee)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        for chunk in touched.chunks(16) {
            let sweep = ix::sweep_insurance(&m.exchange, &m.usdc, chunk);
            let _ = admin.send(&[sweep], &[]).await;
        }
        let sweeps = sim.take_ledger();
        step.transactions += sweeps.transactions;
        step.cu_requested += sweeps.cu_requested;
        step.deferred += sweeps.deferred;
        if cfg.impact_bps_per_musd > 0.0 {
            let delta_e9: i128 = sim.with_snapshot(|s| {
                step.liquidations
                    .iter()
                    .map(|l| takeover_delta_e9(s, l))
                    .sum()
            });
            let delta = delta_e9 as f64 / 1e9;
            // Hedging sells what the liquidators are long, buys what they are short.
            let notional_musd = delta * price_e8 as f64 / 1e8 / 1e6;
            impact *= (1.0 - cfg.impact_bps_per_musd * notional_musd / 1e4).clamp(0.5, 1.5);
        }
        let now_accounts = read_traders(&chain, &keys).await?;
        let bot_account: MarginAccount = fetch(&chain, &bot_margin).await?;
        sim.with_snapshot(|s| {
            for a in &now_accounts {
                let tier = s
                    .summary(a, options_margin::health::Valuation::Spot)
                    .ok()
                    .and_then(|x| tiers.tier_of(x.ratio_bps));
                if let Some(t) = tier {
                    tier_secs[usize::from(t) - 1] += cfg.scenario.step_secs;
                }
            }
            let vega_of = |series: &Pubkey| s.series.get(series).map_or(0, |x| x.risk.vega_native);
            let vega: i64 = bot_account
                .active_positions()
                .map(|p| p.size_contracts.saturating_mul(vega_of(&p.series)))
                .sum();
            peak_vega = peak_vega.max(vega.abs());
            if let Ok(x) = s.summary(&bot_account, options_margin::health::Valuation::Spot) {
                peak_im = peak_im.max(x.initial_margin_native);
            }
            for l in &step.liquidations {
                liquidation_delta_e9.push(takeover_delta_e9(s, l));
                liquidation_spot_e8.push(price_e8);
            }
            liquidation_vega.extend(step.liquidations.iter().map(|l| {
                if l.event.target_is_position {
                    vega_of(&l.event.target)
                } else {
                    0
                }
            }));
        });
        liquidations.extend(step.liquidations.drain(..).map(|l| (st.t_secs, l)));
        bankruptcies.append(&mut step.bankruptcies);
        ledger.absorb(step);
        snapshot = sim.into_snapshot();
        tick();
    }
    snapshot.exchange = fetch(&chain, &m.exchange).await?;
    let end = read_traders(&chain, &keys).await?;
    let end_summaries = metrics::summaries(&snapshot, &end);
    let liquidator_after = metrics::equity(&snapshot, &fetch(&chain, &bot_margin).await?);
    let books = metrics::Books::read(&chain, &m, &snapshot).await?;
    let traders = actors
        .traders
        .iter()
        .zip(keys.iter().zip(start.into_iter().zip(end)))
        .zip(start_summaries.into_iter().zip(end_summaries))
        .map(|((t, (k, (s, e))), (ss, es))| TraderState {
            key: *k,
            strategy: t.strategy,
            start: s,
            end: e,
            start_summary: ss,
            end_summary: es,
        })
        .collect();
    Ok(RegimeRun {
        regime,
        risk,
        traders,
        liquidator_before,
        liquidator_after,
        liquidations,
        bankruptcies,
        ledger,
        sample,
        published_e8,
        books,
        funding,
        wall_secs: (setup_secs, clock.elapsed().as_secs_f64() - setup_secs),
        chain,
        market: m,
        tier_secs,
        liquidation_vega,
        liquidation_delta_e9,
        liquidation_spot_e8,
        liquidator_peak_vega_native: peak_vega,
        liquidator_peak_im_native: peak_im,
        keeper_outcomes,
    })
}

/// precision: e9 SOL. The delta a landed call handed the liquidator: the
/// quantity received × the series' stored delta (collateral: the SOL itself).
fn takeover_delta_e9(snapshot: &Snapshot, l: &Landed) -> i128 {
    let q = i128::from(l.event.quantity);
    if l.event.target_is_position {
        snapshot
            .series
            .get(&l.event.target)
            .map_or(0, |x| q * i128::from(x.risk.delta_e9))
    } else {
        q
    }
}

/// Every regime of `cfg` on the same actors and path.
pub async fn run(cfg: &SimConfig, tick: &dyn Fn()) -> ClientResult<(Vec<Step>, Vec<RegimeRun>)> {
    let actors = Actors::draw(cfg);
    let path = path(cfg);
    let mut runs = Vec::new();
    for regime in &cfg.regimes {
        runs.push(run_regime(cfg, &actors, *regime, &path, tick).await?);
    }
    Ok((path, runs))
}

/// Steps plus setup accounts: the progress bar's length for one seed.
pub fn work(cfg: &SimConfig) -> u64 {
    let steps = (cfg.scenario.duration_secs / cfg.scenario.step_secs + 1) as u64;
    (steps + cfg.accounts as u64) * cfg.regimes.len() as u64
}

/// Strategies of a map, for the report.
pub type ByStrategy = BTreeMap<population::Strategy, (u64, u64)>;
