//! Liquidation calls as a bot builds them: plan off-chain with the
//! program's own code, then pass the accounts the plan needs.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::state::{MarginAccount, Series};
use solana_instruction::Instruction;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::bench::TestBench;
use crate::exchange::{ExchangeFixture, User};

impl ExchangeFixture {
    /// The liquidated account's margin-check accounts (its current state),
    /// all read-only: a liquidation writes a series only when it changes
    /// its open interest (see [`Self::liquidation_ix`]).
    pub async fn liquidatee_health(&self, bench: &TestBench, margin: &Pubkey) -> Vec<AccountMeta> {
        let account: MarginAccount = bench.load_zc(margin).await;
        self.health_accounts_for(bench, &account).await
    }

    /// A `partial_liquidate` of `liquidatee` into `caller`'s margin
    /// account, as the SDK builds it (`actions::liquidation_instruction`).
    pub async fn liquidation_ix(
        &self,
        bench: &TestBench,
        caller: &User,
        liquidatee: &Pubkey,
        max_quantity: u64,
        min_fee_native: u64,
    ) -> Instruction {
        let request = options_margin_client::actions::LiquidationRequest {
            liquidator: caller.wallet.pubkey(),
            receiver: caller.margin,
            liquidatee: *liquidatee,
            max_quantity,
            min_fee_native,
        };
        options_margin_client::actions::liquidation_instruction(
            bench.chain(),
            &self.prices(),
            &request,
        )
        .await
        .expect("liquidation accounts")
    }

    /// The addresses a liquidator puts in its address lookup table to
    /// reach accounts of up to 32 positions with v0 transactions: the
    /// exchange, the collateral configs and oracles, the margin accounts it
    /// watches, and `series` with their underlyings. Signers and invoked
    /// programs stay static keys (a message may not look them up).
    pub async fn lookup_addresses(
        &self,
        bench: &TestBench,
        margins: &[Pubkey],
        series: &[Pubkey],
    ) -> Vec<Pubkey> {
        let mut out = vec![self.exchange];
        for c in [&self.usdc, &self.sol] {
            out.extend([c.config, c.oracle, c.mint, c.vault]);
        }
        out.extend_from_slice(margins);
        for s in series {
            let stored: Series = bench.load_zc(s).await;
            out.extend([*s, stored.underlying]);
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|k| seen.insert(*k));
        out
    }

    /// Sends a liquidation and returns its events.
    pub async fn liquidate(
        &self,
        bench: &mut TestBench,
        caller: &User,
        liquidatee: &Pubkey,
        max_quantity: u64,
        min_fee_native: u64,
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let ix = self
            .liquidation_ix(bench, caller, liquidatee, max_quantity, min_fee_native)
            .await;
        bench.send_capturing_events(&[ix], &[&caller.wallet]).await
    }
}
