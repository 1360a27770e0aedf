//! The settlement books and open interest, checked from the chain: what the
//! random sequence and the keeper crash assert after every step.

use anchor_lang::prelude::Pubkey;
use options_margin::state::{Collateral, Exchange, MarginAccount, Series};

use crate::bench::TestBench;
use crate::exchange::ExchangeFixture;

impl ExchangeFixture {
    /// unit: quote native. Σ of the loss shards' counted totals.
    pub async fn counted_total(&self, bench: &TestBench) -> i64 {
        let mut total = 0;
        for i in 0..options_margin::constants::LOSS_SHARDS {
            let key = options_margin::pda::loss_shard(&self.exchange, i).0;
            let shard: options_margin::state::LossShard = bench.load_zc(&key).await;
            total += shard.counted_total_native;
        }
        total
    }

    /// Asserts, over `accounts` (every margin account of the exchange):
    /// vault + socialised loss = total = Σ settlement balances + Σ insurance
    /// accruals + Σ retired losses + insurance, the loss shards hold exactly
    /// Σ counted balances, and for each of `series`: Σ longs = Σ shorts =
    /// stored open interest.
    pub async fn assert_books(&self, bench: &TestBench, accounts: &[Pubkey], series: &[Pubkey]) {
        let config: Collateral = bench.load_zc(&self.usdc.config).await;
        let exchange: Exchange = bench.load_zc(&self.exchange).await;
        let mut sum = 0i64;
        let mut counted = 0i64;
        let mut long = vec![0i64; series.len()];
        let mut short = vec![0i64; series.len()];
        for margin in accounts {
            let account: MarginAccount = bench.load_zc(margin).await;
            sum += self.balance(bench, margin, &self.usdc.mint).await;
            sum += account.insurance_accrued_native + account.loss_retired_native;
            counted += account.counted_settlement_native;
            for (i, s) in series.iter().enumerate() {
                if let Some(slot) = account.position_slot(s) {
                    let size = account.positions[slot].size_contracts;
                    long[i] += size.max(0);
                    short[i] += (-size).max(0);
                }
            }
        }
        let vault = bench.token_balance(&self.usdc.vault).await as i64;
        assert_eq!(
            vault + config.socialized_loss_native,
            config.total_balance_native,
            "vault + socialised loss = total"
        );
        assert_eq!(
            config.total_balance_native,
            sum + exchange.insurance_native,
            "total = Σ balances + Σ accrued + Σ retired + insurance"
        );
        assert_eq!(self.counted_total(bench).await, counted, "counted total");
        for (i, s) in series.iter().enumerate() {
            let stored: Series = bench.load_zc(s).await;
            assert_eq!(long[i], short[i], "open interest long = short on {s}");
            assert_eq!(
                stored.open_interest_contracts as i64, long[i],
                "stored OI of {s}"
            );
        }
    }
}
