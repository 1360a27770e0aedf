//! A ready exchange: admin, USDC settlement collateral, wrapped-SOL volatile
//! collateral with a Pyth PriceUpdateV2 feed, and funded users.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::instructions::CollateralParams;
use options_margin::oracle::fixtures::SOL_USD_FEED_ID;
use options_margin::oracle::{OracleConfig, OracleKind};
use options_margin::pda;
use options_margin::state::{MarginAccount, RiskParams};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::bench::TestBench;
use crate::ix::{self, TransferAccounts};
use crate::pyth::PullPrice;

/// Pyth feed id of USDC/USD (recorded for the settlement collateral, never read).
pub const USDC_USD_FEED_ID: [u8; 32] = [
    0xea, 0xa0, 0x20, 0xc6, 0x1c, 0xc4, 0x79, 0x71, 0x28, 0x13, 0x46, 0x1c, 0xe1, 0x53, 0x89, 0x4a,
    0x96, 0xa6, 0xc0, 0x0b, 0x21, 0xed, 0x0c, 0xfc, 0x27, 0x98, 0xd1, 0xf9, 0xa9, 0xe9, 0xc9, 0x4a,
];

/// precision: 1e-8 USD. Default SOL price of the fixture ($150).
pub const SOL_PRICE_E8: i64 = 15_000_000_000;
/// precision: 1e-8 USD. Default SOL confidence ($0.075, 0.05%).
pub const SOL_CONF_E8: u64 = 7_500_000;
/// Initial-margin weight of SOL collateral (80%).
pub const SOL_INIT_WEIGHT_BPS: u16 = 8_000;
/// Maintenance-margin weight of SOL collateral (90%).
pub const SOL_MAINT_WEIGHT_BPS: u16 = 9_000;

/// One registered collateral.
#[derive(Clone, Copy, Debug)]
pub struct CollateralFixture {
    pub mint: Pubkey,
    pub decimals: u8,
    pub config: Pubkey,
    pub vault: Pubkey,
    /// The price account (PriceUpdateV2 address).
    pub oracle: Pubkey,
    pub feed_id: [u8; 32],
}

/// A funded user with margin account 0.
pub struct User {
    pub wallet: Keypair,
    pub margin: Pubkey,
    pub usdc_token: Pubkey,
    pub sol_token: Pubkey,
}

/// The exchange under test.
pub struct ExchangeFixture {
    pub admin: Keypair,
    pub exchange: Pubkey,
    pub usdc: CollateralFixture,
    pub sol: CollateralFixture,
    /// Volatile collaterals registered after SOL (see `collaterals`).
    pub extra: Vec<CollateralFixture>,
}

/// The SOL oracle config used by the fixture: 60 s max age, 2% max
/// confidence, valued at price ∓ 1·conf.
pub fn sol_oracle_config() -> OracleConfig {
    OracleConfig::new(OracleKind::PythPull, SOL_USD_FEED_ID, 60, 200, 10_000)
}

pub fn sol_collateral_params() -> CollateralParams {
    CollateralParams {
        oracle: sol_oracle_config(),
        init_weight_bps: SOL_INIT_WEIGHT_BPS,
        maint_weight_bps: SOL_MAINT_WEIGHT_BPS,
        deposit_cap_native: 1_000_000_000_000_000,
    }
}

pub fn usdc_collateral_params() -> CollateralParams {
    CollateralParams {
        oracle: OracleConfig::new(OracleKind::PythPull, USDC_USD_FEED_ID, 60, 200, 10_000),
        init_weight_bps: 10_000,
        maint_weight_bps: 10_000,
        deposit_cap_native: 1_000_000_000_000_000,
    }
}

impl ExchangeFixture {
    /// Creates the exchange with default risk parameters and registers USDC
    /// (6 decimals) then wrapped SOL (9 decimals) priced at $150.
    pub async fn setup(bench: &mut TestBench) -> Self {
        Self::setup_with_risk(bench, RiskParams::defaults()).await
    }

    /// [`Self::setup`] with the exchange created at `risk`.
    pub async fn setup_with_risk(bench: &mut TestBench, risk: RiskParams) -> Self {
        let admin = bench.funded_keypair(10_000_000_000).await;
        let exchange = pda::exchange(&admin.pubkey()).0;
        bench
            .send(
                &[ix::initialize_exchange(
                    &admin.pubkey(),
                    admin.pubkey(),
                    risk,
                )],
                &[&admin],
            )
            .await
            .expect("initialize_exchange");
        bench
            .send(
                &[ix::create_loss_shards(&admin.pubkey(), &exchange)],
                &[&admin],
            )
            .await
            .expect("create_loss_shards");

        let usdc_mint = bench.create_mint(6).await;
        let sol_mint = bench.create_mint(9).await;
        let usdc = CollateralFixture {
            mint: usdc_mint,
            decimals: 6,
            config: pda::collateral(&exchange, &usdc_mint).0,
            vault: pda::vault(&exchange, &usdc_mint).0,
            oracle: Pubkey::new_unique(),
            feed_id: USDC_USD_FEED_ID,
        };
        let sol = CollateralFixture {
            mint: sol_mint,
            decimals: 9,
            config: pda::collateral(&exchange, &sol_mint).0,
            vault: pda::vault(&exchange, &sol_mint).0,
            oracle: Pubkey::new_unique(),
            feed_id: SOL_USD_FEED_ID,
        };
        bench
            .send(
                &[ix::add_collateral(
                    &admin.pubkey(),
                    &exchange,
                    &usdc_mint,
                    true,
                    usdc_collateral_params(),
                )],
                &[&admin],
            )
            .await
            .expect("add USDC");
        bench
            .send(
                &[ix::add_collateral(
                    &admin.pubkey(),
                    &exchange,
                    &sol_mint,
                    false,
                    sol_collateral_params(),
                )],
                &[&admin],
            )
            .await
            .expect("add SOL");
        let fixture = Self {
            admin,
            exchange,
            usdc,
            sol,
            extra: Vec::new(),
        };
        let now = bench.now().await;
        fixture.set_sol_price(bench, SOL_PRICE_E8, SOL_CONF_E8, now);
        fixture
    }

    /// Changes the risk parameters the only way the program allows:
    /// propose, wait out the delay, apply. The clock moves forward by the
    /// delay, and the SOL price is re-stamped at the new time so it stays
    /// fresh (series vectors go stale: refresh them after).
    pub async fn change_risk_params(&self, bench: &mut TestBench, risk: RiskParams) {
        let ex: options_margin::state::Exchange = bench.load_zc(&self.exchange).await;
        bench
            .send(
                &[ix::propose_risk_params(
                    &self.admin.pubkey(),
                    &self.exchange,
                    risk,
                )],
                &[&self.admin],
            )
            .await
            .expect("propose_risk_params");
        bench
            .advance_time(i64::from(ex.risk.param_delay_secs))
            .await;
        bench
            .send(&[ix::apply_risk_params(&self.exchange)], &[])
            .await
            .expect("apply_risk_params");
        self.restamp_sol_price(bench).await;
    }

    /// Changes a collateral's oracle and weights: propose, wait, apply (see
    /// [`Self::change_risk_params`] for the clock).
    pub async fn change_collateral_params(
        &self,
        bench: &mut TestBench,
        mint: &Pubkey,
        params: CollateralParams,
    ) {
        let ex: options_margin::state::Exchange = bench.load_zc(&self.exchange).await;
        bench
            .send(
                &[ix::propose_collateral_params(
                    &self.admin.pubkey(),
                    &self.exchange,
                    mint,
                    params,
                )],
                &[&self.admin],
            )
            .await
            .expect("propose_collateral_params");
        bench
            .advance_time(i64::from(ex.risk.param_delay_secs))
            .await;
        bench
            .send(&[ix::apply_collateral_params(&self.exchange, mint)], &[])
            .await
            .expect("apply_collateral_params");
        self.restamp_sol_price(bench).await;
    }

    /// Re-publishes the SOL oracle's current price stamped with the clock.
    pub async fn restamp_sol_price(&self, bench: &mut TestBench) {
        let Some(acc) = bench.get_account(&self.sol.oracle).await else {
            return;
        };
        let Ok(update) = <pyth_solana_receiver_sdk::price_update::PriceUpdateV2 as
            anchor_lang::AccountDeserialize>::try_deserialize(&mut acc.data.as_slice())
        else {
            return;
        };
        let now = bench.now().await;
        let m = update.price_message;
        self.set_sol_price(bench, m.price, m.conf, now);
    }

    /// Publishes a fully verified SOL/USD PriceUpdateV2 at the SOL oracle address.
    pub fn set_sol_price(
        &self,
        bench: &mut TestBench,
        price_e8: i64,
        conf_e8: u64,
        publish_time: i64,
    ) {
        bench.set_pull_price(
            &self.sol.oracle,
            PullPrice::usd_e8(self.sol.feed_id, price_e8, conf_e8, publish_time),
        );
    }

    /// A funded wallet with margin account 0 and token accounts holding
    /// `usdc_native` USDC and `sol_native` SOL (not yet deposited).
    pub async fn new_user(&self, bench: &mut TestBench, usdc_native: u64, sol_native: u64) -> User {
        let wallet = bench.funded_keypair(1_000_000_000).await;
        bench
            .send(
                &[ix::create_margin_account(
                    &wallet.pubkey(),
                    &self.exchange,
                    0,
                )],
                &[&wallet],
            )
            .await
            .expect("create_margin_account");
        let usdc_token = bench
            .create_token_account(&self.usdc.mint, &wallet.pubkey())
            .await;
        let sol_token = bench
            .create_token_account(&self.sol.mint, &wallet.pubkey())
            .await;
        if usdc_native > 0 {
            bench
                .mint_to(&self.usdc.mint, &usdc_token, usdc_native)
                .await;
        }
        if sol_native > 0 {
            bench.mint_to(&self.sol.mint, &sol_token, sol_native).await;
        }
        let margin = pda::margin_account(&self.exchange, &wallet.pubkey(), 0).0;
        User {
            wallet,
            margin,
            usdc_token,
            sol_token,
        }
    }

    pub fn collateral(&self, mint: &Pubkey) -> &CollateralFixture {
        [&self.usdc, &self.sol]
            .into_iter()
            .chain(self.extra.iter())
            .find(|c| c.mint == *mint)
            .expect("registered mint")
    }

    /// Margin account `index` of `user`'s wallet (a second account of the
    /// same owner), created now; it shares the wallet's token accounts.
    pub async fn second_account(&self, bench: &mut TestBench, user: &User, index: u16) -> User {
        bench
            .send(
                &[ix::create_margin_account(
                    &user.wallet.pubkey(),
                    &self.exchange,
                    index,
                )],
                &[&user.wallet],
            )
            .await
            .expect("create_margin_account");
        User {
            wallet: user.wallet.insecure_clone(),
            margin: pda::margin_account(&self.exchange, &user.wallet.pubkey(), index).0,
            usdc_token: user.usdc_token,
            sol_token: user.sol_token,
        }
    }

    /// The canonical transfer accounts of `user` for `mint`.
    pub fn transfer_accounts(&self, user: &User, mint: &Pubkey) -> TransferAccounts {
        let token = if *mint == self.usdc.mint {
            user.usdc_token
        } else {
            user.sol_token
        };
        TransferAccounts::new(
            user.wallet.pubkey(),
            self.exchange,
            user.margin,
            *mint,
            token,
        )
    }

    /// Margin-check accounts for the margin account's *current* state (the
    /// layout documented in `options_margin::health`).
    pub async fn health_accounts(&self, bench: &TestBench, margin: &Pubkey) -> Vec<AccountMeta> {
        let account: MarginAccount = bench.load_zc(margin).await;
        self.health_accounts_for(bench, &account).await
    }

    /// Where the fixture's feeds are published: each collateral's oracle
    /// account by its feed (every underlying is on the SOL feed).
    pub fn prices(&self) -> options_margin_client::PriceAccounts {
        let mut p = options_margin_client::PriceAccounts::default();
        for c in [&self.usdc, &self.sol].into_iter().chain(&self.extra) {
            p.set(c.feed_id, c.oracle);
        }
        p
    }

    /// Margin-check accounts for a given account state, as the SDK builds
    /// them: `[config, oracle]` per volatile collateral, `[series]` per
    /// position, then `[underlying, oracle]` per distinct underlying.
    pub async fn health_accounts_for(
        &self,
        bench: &TestBench,
        account: &MarginAccount,
    ) -> Vec<AccountMeta> {
        let exchange: options_margin::state::Exchange = bench.load_zc(&self.exchange).await;
        options_margin_client::health::health_metas(
            bench.chain(),
            &self.prices(),
            &self.exchange,
            &exchange,
            account,
        )
        .await
        .expect("margin-check accounts")
    }

    /// Margin-check accounts of `margin` as `trade` checks it: after the
    /// fill, before empty slots are released (a new position takes the
    /// first free slot).
    pub async fn trade_health_accounts(
        &self,
        bench: &TestBench,
        margin: &Pubkey,
        series: &Pubkey,
    ) -> Vec<AccountMeta> {
        let mut account: MarginAccount = bench.load_zc(margin).await;
        if account.position_slot(series).is_none() {
            if let Some(free) = account
                .positions
                .iter()
                .position(|p| p.series == Pubkey::default())
            {
                account.positions[free].series = *series;
            }
        }
        self.health_accounts_for(bench, &account).await
    }

    pub async fn deposit(
        &self,
        bench: &mut TestBench,
        user: &User,
        mint: &Pubkey,
        amount: u64,
    ) -> Result<(), TransactionError> {
        let ix = ix::deposit(&self.transfer_accounts(user, mint), amount);
        bench.send(&[ix], &[&user.wallet]).await
    }

    /// Withdraws, passing the margin-check accounts the account will need
    /// after the withdrawal.
    pub async fn withdraw(
        &self,
        bench: &mut TestBench,
        user: &User,
        mint: &Pubkey,
        amount: u64,
    ) -> Result<(), TransactionError> {
        let mut account: MarginAccount = bench.load_zc(&user.margin).await;
        if let Some(slot) = account.collateral_slot(mint) {
            let b = &mut account.collaterals[slot].balance_native;
            *b = b.saturating_sub(amount as i64);
            account.release_empty_collaterals();
        }
        let health = self.health_accounts_for(bench, &account).await;
        let ix = ix::withdraw(&self.transfer_accounts(user, mint), amount, &health);
        bench.send(&[ix], &[&user.wallet]).await
    }

    /// unit: token native. The account's balance of `mint` (0 if no slot).
    pub async fn balance(&self, bench: &TestBench, margin: &Pubkey, mint: &Pubkey) -> i64 {
        let account: MarginAccount = bench.load_zc(margin).await;
        account
            .collateral_slot(mint)
            .map(|s| account.collaterals[s].balance_native)
            .unwrap_or(0)
    }
}

impl ExchangeFixture {
    /// Margin of a hypothetical state of `margin` (e.g. the account after a
    /// fill that has not been sent), computed by the program's own
    /// `health::account_margin` over the chain's current accounts, exactly
    /// as a margin check at the current clock would compute it.
    pub async fn simulated_margin(
        &self,
        bench: &TestBench,
        account: &MarginAccount,
    ) -> anchor_lang::Result<options_margin::health::MarginSummary> {
        let exchange: options_margin::state::Exchange = bench.load_zc(&self.exchange).await;
        let metas = self.health_accounts_for(bench, account).await;
        let owned = options_margin_client::health::fetch_keyed(bench.chain(), &metas)
            .await
            .expect("margin-check accounts exist");
        options_margin::health::account_margin(
            account,
            &exchange,
            &self.exchange,
            &owned,
            bench.now().await,
            options_margin::health::Valuation::Spot,
        )
        .map(|(summary, _)| summary)
    }

    /// Margin of `margin`'s current state (see [`crate::client::margin_summary`]).
    pub async fn margin_of(
        &self,
        bench: &TestBench,
        margin: &Pubkey,
    ) -> options_margin::health::MarginSummary {
        let health = self.health_accounts(bench, margin).await;
        crate::client::margin_summary(bench, &self.exchange, margin, &health)
            .await
            .expect("margin summary")
    }
}
