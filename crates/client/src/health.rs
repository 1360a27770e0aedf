//! Off-chain health with the very code the program runs
//! (`options_margin::health` over [`KeyedAccount`]s, the program's own
//! account-reader seam), so a client's equity, IM, MM, ratio and plan equal
//! the program's to the unit; and the margin-check `remaining_accounts` in
//! the order the program validates them.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::health::{self, MarginSummary, Valuation};
use options_margin::reader::KeyedAccount;
use options_margin::state::{Collateral, Exchange, MarginAccount, Series, Underlying};
use options_margin_risk::planner::{Candidate, LiquidationPlan};
use solana_instruction::Instruction;

use crate::chain::Chain;
use crate::decode::fetch;
use crate::error::{ClientError, ClientResult};
use crate::oracles::PriceAccounts;

/// The margin-check accounts of `account` as it stands: `[collateral
/// config, oracle]` per volatile collateral slot in use (slot order),
/// `[series]` per position slot in use (slot order), then `[underlying,
/// oracle]` per distinct underlying of those series (first appearance).
pub async fn health_metas<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    exchange_key: &Pubkey,
    exchange: &Exchange,
    account: &MarginAccount,
) -> ClientResult<Vec<AccountMeta>> {
    let mut metas = Vec::new();
    for c in account.active_collaterals() {
        if c.mint == exchange.settlement_mint {
            continue;
        }
        let config_key = options_margin::pda::collateral(exchange_key, &c.mint).0;
        let config: Collateral = fetch(chain, &config_key).await?;
        metas.push(AccountMeta::new_readonly(config_key, false));
        metas.push(AccountMeta::new_readonly(
            prices.account_for(&config.oracle),
            false,
        ));
    }
    let mut underlyings: Vec<Pubkey> = Vec::new();
    for p in account.active_positions() {
        metas.push(AccountMeta::new_readonly(p.series, false));
        let series: Series = fetch(chain, &p.series).await?;
        if !underlyings.contains(&series.underlying) {
            underlyings.push(series.underlying);
        }
    }
    for u in underlyings {
        let underlying: Underlying = fetch(chain, &u).await?;
        metas.push(AccountMeta::new_readonly(u, false));
        metas.push(AccountMeta::new_readonly(
            prices.account_for(&underlying.oracle),
            false,
        ));
    }
    Ok(metas)
}

/// `account` as `trade` checks it after a fill in `series`: a new position
/// takes the first free slot (empty slots are released after the check).
pub fn after_trade(account: &MarginAccount, series: &Pubkey) -> MarginAccount {
    let mut after = *account;
    if after.position_slot(series).is_none() {
        if let Some(free) = after
            .positions
            .iter()
            .position(|p| p.series == Pubkey::default())
        {
            after.positions[free].series = *series;
        }
    }
    after
}

/// Fetches `metas` as [`KeyedAccount`]s (what the program's reader reads).
pub async fn fetch_keyed<C: Chain>(
    chain: &C,
    metas: &[AccountMeta],
) -> ClientResult<Vec<KeyedAccount>> {
    let keys: Vec<Pubkey> = metas.iter().map(|m| m.pubkey).collect();
    let fetched = chain.accounts(&keys).await?;
    keys.iter()
        .zip(fetched)
        .map(|(k, a)| {
            let a = a.ok_or(ClientError::AccountNotFound(*k))?;
            Ok(KeyedAccount::new(*k, a.owner, &a.data))
        })
        .collect()
}

/// Everything a health computation of one margin account reads, fetched once.
#[derive(Clone, Debug)]
pub struct HealthContext {
    pub exchange_key: Pubkey,
    pub exchange: Exchange,
    pub margin_key: Pubkey,
    pub account: MarginAccount,
    /// The margin-check accounts, in the program's order.
    pub metas: Vec<AccountMeta>,
    pub keyed: Vec<KeyedAccount>,
    /// unit: unix seconds. The cluster clock at the fetch.
    pub now_ts: i64,
}

impl HealthContext {
    /// Fetches the exchange, the margin account, its margin-check accounts and the clock.
    pub async fn fetch<C: Chain>(
        chain: &C,
        prices: &PriceAccounts,
        margin_key: &Pubkey,
    ) -> ClientResult<Self> {
        let account: MarginAccount = fetch(chain, margin_key).await?;
        let exchange_key = account.exchange;
        let exchange: Exchange = fetch(chain, &exchange_key).await?;
        let metas = health_metas(chain, prices, &exchange_key, &exchange, &account).await?;
        let keyed = fetch_keyed(chain, &metas).await?;
        let now_ts = chain.clock().await?.unix_timestamp;
        Ok(Self {
            exchange_key,
            exchange,
            margin_key: *margin_key,
            account,
            metas,
            keyed,
            now_ts,
        })
    }

    /// Equity, IM, MM and ratio at `valuation`, exactly as the program
    /// computes them (a conservative valuation also applies the
    /// risk-adding guards: fresh volatility, prices near their EMA).
    pub fn summary(&self, valuation: Valuation) -> ClientResult<MarginSummary> {
        let (summary, _) = health::account_margin(
            &self.account,
            &self.exchange,
            &self.exchange_key,
            &self.keyed,
            self.now_ts,
            valuation,
        )?;
        Ok(summary)
    }

    /// What a `partial_liquidate` with `max_quantity` would do right now,
    /// planned by the program's own planning code: the plan, its target
    /// (series or mint) and whether the target is a position.
    pub fn plan_liquidation(
        &self,
        max_quantity: u64,
    ) -> ClientResult<(LiquidationPlan, Pubkey, bool)> {
        let loaded = health::load_inputs(
            &self.account,
            &self.exchange,
            &self.exchange_key,
            &self.keyed,
            self.now_ts,
        )?;
        let plan = options_margin::controller::liquidation::plan_call(
            &loaded,
            &self.account,
            &self.exchange,
            max_quantity,
        )?
        .plan;
        let target = match plan.candidate {
            Candidate::Position(i) => self
                .account
                .active_positions()
                .nth(i as usize)
                .map(|p| (p.series, true)),
            Candidate::Collateral(j) => self
                .account
                .active_collaterals()
                .nth(j as usize)
                .map(|c| (c.mint, false)),
        }
        .ok_or_else(|| ClientError::Program("plan names no slot".into()))?;
        Ok((plan, target.0, target.1))
    }
}

/// The `refresh_series_risk` instructions a transaction touching `account`
/// should start with: one per unsettled series it holds (and each of
/// `extra_series`). Prepending them is always safe: a refresh never goes
/// back in time and never fails on an older update.
pub async fn refresh_instructions<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    account: &MarginAccount,
    extra_series: &[Pubkey],
) -> ClientResult<Vec<Instruction>> {
    let mut series: Vec<Pubkey> = account.active_positions().map(|p| p.series).collect();
    for s in extra_series {
        if !series.contains(s) {
            series.push(*s);
        }
    }
    let mut out = Vec::with_capacity(series.len());
    for s in series {
        let (stored, oracle) = series_with_oracle(chain, prices, &s).await?;
        if stored.settled == 0 {
            out.push(crate::ix::refresh_series_risk(
                &stored.underlying,
                &s,
                &oracle,
            ));
        }
    }
    Ok(out)
}

/// A series and the price account of its underlying.
pub async fn series_with_oracle<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    series: &Pubkey,
) -> ClientResult<(Series, Pubkey)> {
    let stored: Series = fetch(chain, series).await?;
    let underlying: Underlying = fetch(chain, &stored.underlying).await?;
    Ok((stored, prices.account_for(&underlying.oracle)))
}
