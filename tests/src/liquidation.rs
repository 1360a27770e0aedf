//! Liquidation calls as a bot builds them: plan off-chain with the
//! program's own code, then pass the accounts the plan needs.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::instructions::LiquidateArgs;
use options_margin::state::{MarginAccount, Series};
use solana_instruction::Instruction;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::bench::TestBench;
use crate::client;
use crate::exchange::{ExchangeFixture, User};
use crate::ix;

impl ExchangeFixture {
    /// The liquidated account's margin-check accounts (its current state),
    /// all read-only: a liquidation writes a series only when it changes
    /// its open interest (see [`Self::liquidation_ix`]).
    pub async fn liquidatee_health(&self, bench: &TestBench, margin: &Pubkey) -> Vec<AccountMeta> {
        let account: MarginAccount = bench.load_zc(margin).await;
        self.health_accounts_for(bench, &account).await
    }

    /// A `partial_liquidate` of `liquidatee` into `caller`'s margin account.
    /// The liquidator's accounts describe its state after receiving the
    /// target the off-chain plan predicts (its current state when the plan
    /// fails, so the program's own refusal can be observed).
    pub async fn liquidation_ix(
        &self,
        bench: &TestBench,
        caller: &User,
        liquidatee: &Pubkey,
        max_quantity: u64,
        min_fee_native: u64,
    ) -> Instruction {
        let mut health_from = self.liquidatee_health(bench, liquidatee).await;
        self.mark_series_writable_if_oi_changes(
            bench,
            &caller.margin,
            liquidatee,
            &mut health_from,
            max_quantity,
        )
        .await;
        let health_to = self
            .liquidator_health_after(
                bench,
                &caller.margin,
                liquidatee,
                &health_from,
                max_quantity,
            )
            .await;
        let args = LiquidateArgs {
            max_quantity,
            min_fee_native,
            health_accounts_liquidatee: health_from.len() as u8,
        };
        ix::partial_liquidate(
            &caller.wallet.pubkey(),
            &self.exchange,
            liquidatee,
            &caller.margin,
            args,
            &health_from,
            &health_to,
        )
    }

    /// Marks the planned target series writable when the liquidation will
    /// change its open interest: the receiver already holds the side
    /// opposite to the one it takes over.
    pub async fn mark_series_writable_if_oi_changes(
        &self,
        bench: &TestBench,
        receiver: &Pubkey,
        liquidatee: &Pubkey,
        health_from: &mut [AccountMeta],
        max_quantity: u64,
    ) {
        let Ok((_, target, true)) =
            client::plan_liquidation(bench, &self.exchange, liquidatee, health_from, max_quantity)
                .await
        else {
            return;
        };
        let from: MarginAccount = bench.load_zc(liquidatee).await;
        let to: MarginAccount = bench.load_zc(receiver).await;
        let size = |a: &MarginAccount| {
            a.position_slot(&target)
                .map(|s| a.positions[s].size_contracts)
                .unwrap_or(0)
        };
        if size(&from).signum() * size(&to).signum() < 0 {
            for m in health_from.iter_mut().filter(|m| m.pubkey == target) {
                m.is_writable = true;
            }
        }
    }

    /// The margin-check accounts of the liquidator account `receiver` for
    /// its state after a liquidation of `liquidatee` (whose current
    /// accounts are `health_from`): its current state plus the target the
    /// off-chain plan predicts (its current state when the plan fails).
    pub async fn liquidator_health_after(
        &self,
        bench: &TestBench,
        receiver: &Pubkey,
        liquidatee: &Pubkey,
        health_from: &[AccountMeta],
        max_quantity: u64,
    ) -> Vec<AccountMeta> {
        let mut receiver: MarginAccount = bench.load_zc(receiver).await;
        if let Ok((_, target, is_position)) =
            client::plan_liquidation(bench, &self.exchange, liquidatee, health_from, max_quantity)
                .await
        {
            if is_position {
                if receiver.position_slot(&target).is_none() {
                    if let Some(free) = receiver
                        .positions
                        .iter()
                        .position(|p| p.series == Pubkey::default())
                    {
                        receiver.positions[free].series = target;
                    }
                }
            } else if receiver.collateral_slot(&target).is_none() {
                let settlement = self.usdc.mint;
                let _ = receiver.collateral_slot_or_insert(&target, &settlement);
            }
        }
        self.health_accounts_for(bench, &receiver).await
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
