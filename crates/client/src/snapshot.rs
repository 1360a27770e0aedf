//! One consistent read of an exchange for a bot or a simulator: every
//! series, underlying and collateral config, every price account they
//! name, and the clock, fetched once; then the health (and liquidation
//! plan) of any number of margin accounts computed from it by the
//! program's own code (`options_margin::health` over references into the
//! snapshot: no copy of a shared account per margin account).

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use options_margin::health::{self, MarginSummary, Valuation};
use options_margin::reader::KeyedAccount;
use options_margin::state::{Collateral, Exchange, MarginAccount, Series, Underlying};
use options_margin_risk::planner::{Candidate, LiquidationPlan};

use crate::chain::Chain;
use crate::decode::{collaterals_of_exchange, fetch, series_of_exchange, underlyings_of_exchange};
use crate::error::{ClientError, ClientResult};
use crate::oracles::PriceAccounts;

pub struct Snapshot {
    pub exchange_key: Pubkey,
    pub exchange: Exchange,
    /// unit: unix seconds. The cluster clock when the snapshot was read.
    pub now_ts: i64,
    pub series: HashMap<Pubkey, Series>,
    pub underlyings: HashMap<Pubkey, Underlying>,
    /// By mint.
    pub collaterals: HashMap<Pubkey, (Pubkey, Collateral)>,
    /// Every account a margin check of this exchange can read.
    accounts: HashMap<Pubkey, KeyedAccount>,
    /// The price account of each underlying and of each collateral mint,
    /// resolved once (a push-oracle address is a PDA search).
    oracle_of: HashMap<Pubkey, Pubkey>,
    prices: PriceAccounts,
}

impl Snapshot {
    /// Reads the exchange's series, underlyings, collaterals and their price accounts.
    pub async fn load<C: Chain>(
        chain: &C,
        prices: &PriceAccounts,
        exchange_key: &Pubkey,
    ) -> ClientResult<Self> {
        let exchange: Exchange = fetch(chain, exchange_key).await?;
        let series = series_of_exchange(chain, exchange_key).await?;
        let underlyings = underlyings_of_exchange(chain, exchange_key).await?;
        let collaterals = collaterals_of_exchange(chain, exchange_key).await?;
        let mut keys: Vec<Pubkey> = Vec::new();
        let mut oracle_of = HashMap::new();
        keys.extend(series.iter().map(|(k, _)| *k));
        for (k, u) in &underlyings {
            let oracle = prices.account_for(&u.oracle);
            oracle_of.insert(*k, oracle);
            keys.extend([*k, oracle]);
        }
        for (k, c) in &collaterals {
            let oracle = prices.account_for(&c.oracle);
            oracle_of.insert(c.mint, oracle);
            keys.extend([*k, oracle]);
        }
        keys.sort();
        keys.dedup();
        let fetched = chain.accounts(&keys).await?;
        let accounts = keys
            .iter()
            .zip(fetched)
            .filter_map(|(k, a)| a.map(|a| (*k, KeyedAccount::new(*k, a.owner, &a.data))))
            .collect();
        Ok(Self {
            exchange_key: *exchange_key,
            exchange,
            now_ts: chain.clock().await?.unix_timestamp,
            series: series.into_iter().collect(),
            underlyings: underlyings.into_iter().collect(),
            collaterals: collaterals
                .into_iter()
                .map(|(k, c)| (c.mint, (k, c)))
                .collect(),
            accounts,
            oracle_of,
            prices: prices.clone(),
        })
    }

    /// The margin-check accounts of `account` in the program's order (see
    /// [`crate::health::health_metas`]), from the snapshot.
    pub fn health_keys(&self, account: &MarginAccount) -> ClientResult<Vec<Pubkey>> {
        let mut keys = Vec::new();
        for c in account.active_collaterals() {
            if c.mint == self.exchange.settlement_mint {
                continue;
            }
            let (config, _) = self.collaterals.get(&c.mint).ok_or_else(|| {
                ClientError::Input(format!("mint {} is not a collateral", c.mint))
            })?;
            keys.push(*config);
            keys.push(self.oracle(&c.mint)?);
        }
        let mut underlyings: Vec<Pubkey> = Vec::new();
        for p in account.active_positions() {
            keys.push(p.series);
            let s = self
                .series
                .get(&p.series)
                .ok_or(ClientError::AccountNotFound(p.series))?;
            if !underlyings.contains(&s.underlying) {
                underlyings.push(s.underlying);
            }
        }
        for u in underlyings {
            keys.push(u);
            keys.push(self.oracle(&u)?);
        }
        Ok(keys)
    }

    /// The price account of an underlying or a collateral mint.
    fn oracle(&self, of: &Pubkey) -> ClientResult<Pubkey> {
        self.oracle_of
            .get(of)
            .copied()
            .ok_or(ClientError::AccountNotFound(*of))
    }

    fn readers(&self, account: &MarginAccount) -> ClientResult<Vec<&KeyedAccount>> {
        self.health_keys(account)?
            .iter()
            .map(|k| self.accounts.get(k).ok_or(ClientError::AccountNotFound(*k)))
            .collect()
    }

    /// Equity, IM, MM and ratio of `account` exactly as the program computes them.
    pub fn summary(
        &self,
        account: &MarginAccount,
        valuation: Valuation,
    ) -> ClientResult<MarginSummary> {
        let readers = self.readers(account)?;
        let (summary, _) = health::account_margin(
            account,
            &self.exchange,
            &self.exchange_key,
            &readers,
            self.now_ts,
            valuation,
        )?;
        Ok(summary)
    }

    /// What a `partial_liquidate` of `account` would do: the plan, its
    /// target (series or mint) and whether the target is a position.
    pub fn plan(
        &self,
        account: &MarginAccount,
        max_quantity: u64,
    ) -> ClientResult<(LiquidationPlan, Pubkey, bool)> {
        let readers = self.readers(account)?;
        let loaded = health::load_inputs(
            account,
            &self.exchange,
            &self.exchange_key,
            &readers,
            self.now_ts,
        )?;
        let plan = options_margin::controller::liquidation::plan_call(
            &loaded,
            account,
            &self.exchange,
            max_quantity,
        )?
        .plan;
        match plan.candidate {
            Candidate::Position(i) => account
                .active_positions()
                .nth(i as usize)
                .map(|p| (plan, p.series, true)),
            Candidate::Collateral(j) => account
                .active_collaterals()
                .nth(j as usize)
                .map(|c| (plan, c.mint, false)),
        }
        .ok_or_else(|| ClientError::Program("plan names no slot".into()))
    }

    /// What a liquidator or a trader of wide accounts puts in an address
    /// lookup table: the exchange, each collateral's config, mint, vault
    /// and price account, each series with its underlying and price
    /// account, and `margins`. Signers and invoked programs stay static
    /// keys (a message may not look them up).
    pub fn lookup_addresses(&self, margins: &[Pubkey]) -> Vec<Pubkey> {
        let mut out = vec![self.exchange_key];
        let mut collaterals: Vec<&(Pubkey, Collateral)> = self.collaterals.values().collect();
        collaterals.sort_by_key(|(_, c)| c.index);
        for (config, c) in collaterals {
            out.extend([*config, c.mint, c.vault, self.prices.account_for(&c.oracle)]);
        }
        out.extend_from_slice(margins);
        let mut series: Vec<(&Pubkey, &Series)> = self.series.iter().collect();
        series.sort_by_key(|(k, _)| **k);
        for (k, s) in series {
            out.push(*k);
            out.push(s.underlying);
            if let Some(u) = self.underlyings.get(&s.underlying) {
                out.push(self.prices.account_for(&u.oracle));
            }
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|k| seen.insert(*k));
        out
    }

    /// Replaces one account of the snapshot (a series after its refresh, a new price).
    pub fn update(&mut self, key: Pubkey, account: &solana_account::Account) {
        if let Some(s) = crate::decode::decode::<Series>(&account.data) {
            self.series.insert(key, s);
        }
        self.accounts
            .insert(key, KeyedAccount::new(key, account.owner, &account.data));
    }
}
