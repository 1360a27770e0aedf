//! Underlyings and series on top of [`ExchangeFixture`]: SOL with the
//! default scenario grid, and series builders.

use anchor_lang::prelude::Pubkey;
use options_margin::instructions::{SeriesTerms, UnderlyingParams};
use options_margin::pda;
use options_margin::state::GridConfig;
use options_margin_risk::ScenarioGrid;
use solana_signer::Signer;

use crate::bench::TestBench;
use crate::exchange::User;
use crate::exchange::{sol_oracle_config, ExchangeFixture};
use crate::ix;
use solana_transaction_error::TransactionError;

/// precision: e12 USD. One dollar.
pub const USD_E12: u64 = 1_000_000_000_000;

/// SOL as an underlying: default ±20% / ±15% grid, 5% rate, vol stale after
/// one hour, short floors of 1% (MM) and 1.5% (IM) of spot notional, vol
/// changes of at most 50% per hour.
pub fn sol_underlying_params() -> UnderlyingParams {
    UnderlyingParams {
        oracle: sol_oracle_config(),
        grid: GridConfig::from_grid(&ScenarioGrid::default_grid()),
        rate_e6: 50_000,
        vol_max_age_secs: 3_600,
        short_floor_mm_bps: 100,
        short_floor_im_bps: 150,
        max_vol_change_bps: 5_000,
        vol_change_window_secs: 3_600,
    }
}

impl ExchangeFixture {
    /// Registers SOL as underlying 0 and returns its address.
    pub async fn add_sol_underlying(&self, bench: &mut TestBench) -> Pubkey {
        let ix = ix::add_underlying(
            &self.admin.pubkey(),
            &self.exchange,
            0,
            sol_underlying_params(),
        );
        bench
            .send(&[ix], &[&self.admin])
            .await
            .expect("add_underlying");
        pda::underlying(&self.exchange, 0).0
    }

    /// Creates a series (1 SOL per contract, 1 contract per lot unless given).
    pub async fn create_series(
        &self,
        bench: &mut TestBench,
        underlying: &Pubkey,
        terms: SeriesTerms,
    ) -> Pubkey {
        let ix = ix::create_series(&self.admin.pubkey(), &self.exchange, underlying, terms);
        bench
            .send(&[ix], &[&self.admin])
            .await
            .expect("create_series");
        pda::series(underlying, &terms).0
    }

    /// Sets a series' volatility with the admin key (the fixture's vol authority).
    pub async fn set_vol(
        &self,
        bench: &mut TestBench,
        underlying: &Pubkey,
        series: &Pubkey,
        vol_e6: u32,
    ) {
        let ix = ix::set_volatility(
            &self.admin.pubkey(),
            &self.exchange,
            underlying,
            series,
            vol_e6,
        );
        bench
            .send(&[ix], &[&self.admin])
            .await
            .expect("set_volatility");
    }
}

/// Terms of a SOL option: `strike_usd` whole dollars, expiring `expiry_ts`,
/// one SOL per contract, one contract per lot.
pub fn sol_terms(is_call: bool, strike_usd: u64, expiry_ts: i64) -> SeriesTerms {
    SeriesTerms {
        is_call,
        strike_e12: strike_usd * USD_E12,
        expiry_ts,
        contract_size_e6: 1_000_000,
        lot_size_contracts: 1,
    }
}

impl ExchangeFixture {
    /// The verified SOL update that straddles `expiry` (published at
    /// `expiry`, the feed's previous update one second before), at a fresh
    /// address: the one update `settle_series` accepts.
    pub fn settlement_update(&self, bench: &mut TestBench, price_e8: i64, expiry: i64) -> Pubkey {
        let address = Pubkey::new_unique();
        bench.set_pull_price(
            &address,
            crate::pyth::PullPrice::usd_e8(
                self.sol.feed_id,
                price_e8,
                crate::exchange::SOL_CONF_E8,
                expiry,
            ),
        );
        address
    }

    /// Settles `series` at `price_e8` with its straddling update.
    pub async fn settle_at(
        &self,
        bench: &mut TestBench,
        underlying: &Pubkey,
        series: &Pubkey,
        price_e8: i64,
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let stored: options_margin::state::Series = bench.load_zc(series).await;
        let update = self.settlement_update(bench, price_e8, stored.expiry_ts);
        bench
            .send_capturing_events(&[ix::settle_series(underlying, series, &update)], &[])
            .await
    }

    /// Refreshes the risk vectors of `series` at the SOL oracle's current price.
    pub async fn refresh(&self, bench: &mut TestBench, underlying: &Pubkey, series: &Pubkey) {
        let ix = ix::refresh_series_risk(underlying, series, &self.sol.oracle);
        bench.send(&[ix], &[]).await.expect("refresh_series_risk");
    }

    /// A's `size_lots` trade with B at `premium` per contract, both signing,
    /// with the margin-check accounts each side needs.
    pub async fn trade(
        &self,
        bench: &mut TestBench,
        a: &User,
        b: &User,
        series: &Pubkey,
        size_lots: i64,
        premium_per_contract_native: u64,
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let health_a = self.trade_health_accounts(bench, &a.margin, series).await;
        let health_b = self.trade_health_accounts(bench, &b.margin, series).await;
        let accounts = ix::TradeAccounts {
            owner_a: a.wallet.pubkey(),
            owner_b: b.wallet.pubkey(),
            exchange: self.exchange,
            account_a: a.margin,
            account_b: b.margin,
            series: *series,
        };
        let ix = ix::trade(
            &accounts,
            size_lots,
            premium_per_contract_native,
            &health_a,
            &health_b,
        );
        bench
            .send_capturing_events(&[ix], &[&a.wallet, &b.wallet])
            .await
    }
}

impl ExchangeFixture {
    /// Creates a series, sets its volatility and refreshes its risk vectors.
    pub async fn ready_series(
        &self,
        bench: &mut TestBench,
        underlying: &Pubkey,
        terms: SeriesTerms,
        vol_e6: u32,
    ) -> Pubkey {
        let series = self.create_series(bench, underlying, terms).await;
        self.set_vol(bench, underlying, &series, vol_e6).await;
        self.refresh(bench, underlying, &series).await;
        series
    }

    /// Publishes SOL at `price_e8` (default confidence) stamped with the
    /// current clock, then refreshes every series in `series`.
    pub async fn publish_and_refresh(
        &self,
        bench: &mut TestBench,
        underlying: &Pubkey,
        series: &[Pubkey],
        price_e8: i64,
    ) {
        let now = bench.now().await;
        self.set_sol_price(bench, price_e8, crate::exchange::SOL_CONF_E8, now);
        for s in series {
            self.refresh(bench, underlying, s).await;
        }
    }

    /// The accounts of a trade in which `a` buys from `b` (when size > 0).
    pub fn trade_accounts(&self, a: &User, b: &User, series: &Pubkey) -> ix::TradeAccounts {
        ix::TradeAccounts {
            owner_a: a.wallet.pubkey(),
            owner_b: b.wallet.pubkey(),
            exchange: self.exchange,
            account_a: a.margin,
            account_b: b.margin,
            series: *series,
        }
    }
}

impl ExchangeFixture {
    /// Registers one more SOL underlying (the next index, same parameters
    /// and oracle as [`Self::add_sol_underlying`]) and returns its address.
    /// Series with equal terms on two such underlyings carry identical risk
    /// vectors, which lets a test tie the liquidation score exactly.
    pub async fn add_another_sol_underlying(&self, bench: &mut TestBench) -> Pubkey {
        let exchange: options_margin::state::Exchange = bench.load_zc(&self.exchange).await;
        let index = exchange.underlying_count;
        let ix = ix::add_underlying(
            &self.admin.pubkey(),
            &self.exchange,
            index,
            sol_underlying_params(),
        );
        bench
            .send(&[ix], &[&self.admin])
            .await
            .expect("add_underlying");
        pda::underlying(&self.exchange, index).0
    }
}
