//! More volatile collaterals on top of [`ExchangeFixture`]: any decimals,
//! each with its own Pyth feed (PriceUpdateV2, real layout and owner) at any
//! exponent, for tests of full collateral slots and of decimals/exponents.

use anchor_lang::prelude::Pubkey;
use options_margin::instructions::CollateralParams;
use options_margin::oracle::{OracleConfig, OracleKind};
use options_margin::pda;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::bench::TestBench;
use crate::exchange::{CollateralFixture, ExchangeFixture, User};
use crate::ix::{self, TransferAccounts};
use crate::pyth::PullPrice;

/// A price in Pyth's own units: `price · 10^expo` USD per whole token.
#[derive(Clone, Copy, Debug)]
pub struct RawUsd {
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
}

impl ExchangeFixture {
    /// Registers a volatile mint of `decimals` (weights 80% IM / 90% MM, a
    /// feed of its own whose id is `feed_byte` repeated) priced at `price`
    /// now, and returns it; margin checks find it through [`Self::collateral`].
    pub async fn add_volatile_collateral(
        &mut self,
        bench: &mut TestBench,
        decimals: u8,
        feed_byte: u8,
        price: RawUsd,
    ) -> CollateralFixture {
        let mint = bench.create_mint(decimals).await;
        let feed_id = [feed_byte; 32];
        let params = CollateralParams {
            oracle: OracleConfig::new(OracleKind::PythPull, feed_id, 60, 200, 10_000),
            init_weight_bps: 8_000,
            maint_weight_bps: 9_000,
            deposit_cap_native: i64::MAX as u64,
        };
        bench
            .send(
                &[ix::add_collateral(
                    &self.admin.pubkey(),
                    &self.exchange,
                    &mint,
                    false,
                    params,
                )],
                &[&self.admin],
            )
            .await
            .expect("add_collateral");
        let c = CollateralFixture {
            mint,
            decimals,
            config: pda::collateral(&self.exchange, &mint).0,
            vault: pda::vault(&self.exchange, &mint).0,
            oracle: Pubkey::new_unique(),
            feed_id,
        };
        let now = bench.now().await;
        self.publish(bench, &c, price, now);
        self.extra.push(c);
        c
    }

    /// Publishes `price` for collateral `c` stamped `publish_time`.
    pub fn publish(
        &self,
        bench: &mut TestBench,
        c: &CollateralFixture,
        price: RawUsd,
        publish_time: i64,
    ) {
        bench.set_pull_price(
            &c.oracle,
            PullPrice {
                price: price.price,
                conf: price.conf,
                expo: price.expo,
                ..PullPrice::usd_e8(c.feed_id, 0, 0, publish_time)
            },
        );
    }

    /// A token account of `user` for `c`'s mint holding `amount` (minted
    /// now), and the transfer accounts of `user` for it.
    pub async fn fund(
        &self,
        bench: &mut TestBench,
        user: &User,
        c: &CollateralFixture,
        amount: u64,
    ) -> TransferAccounts {
        let token = bench
            .create_token_account(&c.mint, &user.wallet.pubkey())
            .await;
        if amount > 0 {
            bench.mint_to(&c.mint, &token, amount).await;
        }
        TransferAccounts::new(
            user.wallet.pubkey(),
            self.exchange,
            user.margin,
            c.mint,
            token,
        )
    }

    /// Deposits `amount` of `c` from `accounts` (see [`Self::fund`]).
    pub async fn deposit_from(
        &self,
        bench: &mut TestBench,
        user: &User,
        accounts: &TransferAccounts,
        amount: u64,
    ) -> Result<(), TransactionError> {
        bench
            .send(&[ix::deposit(accounts, amount)], &[&user.wallet])
            .await
    }
}
