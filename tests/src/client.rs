//! Client-side reads: the margin of an account computed off-chain by the
//! very code the program runs (`options_margin::health`), over accounts
//! fetched from the chain. This is how the CLI and the bot see health, so
//! off-chain numbers equal on-chain numbers to the unit.

use anchor_lang::prelude::{AccountInfo, AccountMeta, Pubkey};
use options_margin::health::{self, MarginSummary};
use options_margin::oracle::fixtures::TestAccount;
use options_margin::state::{Exchange, MarginAccount};

use crate::bench::TestBench;

/// Fetches `metas` into owned accounts a real `AccountInfo` can borrow from.
async fn fetch_accounts(bench: &TestBench, metas: &[AccountMeta]) -> Vec<TestAccount> {
    let mut owned = Vec::with_capacity(metas.len());
    for meta in metas {
        let acc = bench
            .get_account(&meta.pubkey)
            .await
            .expect("margin-check account exists");
        let mut t = TestAccount::new(meta.pubkey, acc.owner, &acc.data);
        t.lamports = acc.lamports;
        owned.push(t);
    }
    owned
}

/// Computes `margin`'s equity, IM and MM as a liquidation would value it
/// right now (at the spot), from the margin-check accounts `health`.
pub async fn margin_summary(
    bench: &TestBench,
    exchange_key: &Pubkey,
    margin: &Pubkey,
    health_metas: &[AccountMeta],
) -> anchor_lang::Result<MarginSummary> {
    margin_summary_at(
        bench,
        exchange_key,
        margin,
        health_metas,
        health::Valuation::Spot,
    )
    .await
}

/// [`margin_summary`] at `valuation` (conservative: as a withdrawal or a
/// trade values collateral).
pub async fn margin_summary_at(
    bench: &TestBench,
    exchange_key: &Pubkey,
    margin: &Pubkey,
    health_metas: &[AccountMeta],
    valuation: health::Valuation,
) -> anchor_lang::Result<MarginSummary> {
    let exchange: Exchange = bench.load_zc(exchange_key).await;
    let account: MarginAccount = bench.load_zc(margin).await;
    let now = bench.now().await;
    let mut owned = fetch_accounts(bench, health_metas).await;
    let infos: Vec<AccountInfo> = owned.iter_mut().map(|t| t.info()).collect();
    let (summary, _) =
        health::account_margin(&account, &exchange, exchange_key, &infos, now, valuation)?;
    Ok(summary)
}

/// The `refresh_series_risk` instructions a transaction touching `margin`
/// should start with: one per series the account holds, each priced by
/// `oracle_of(underlying)`. Prepending them makes the margin check see
/// vectors computed in the same transaction, whatever their age before.
pub async fn refresh_instructions(
    bench: &TestBench,
    margin: &Pubkey,
    extra_series: &[Pubkey],
    oracle_of: impl Fn(&Pubkey) -> Pubkey,
) -> Vec<solana_instruction::Instruction> {
    let account: MarginAccount = bench.load_zc(margin).await;
    let mut series: Vec<Pubkey> = account.active_positions().map(|p| p.series).collect();
    for s in extra_series {
        if !series.contains(s) {
            series.push(*s);
        }
    }
    let mut out = Vec::with_capacity(series.len());
    for s in series {
        let stored: options_margin::state::Series = bench.load_zc(&s).await;
        if stored.settled == 0 {
            out.push(crate::ix::refresh_series_risk(
                &stored.underlying,
                &s,
                &oracle_of(&stored.underlying),
            ));
        }
    }
    out
}

/// What a liquidation of `margin` would do right now, planned off-chain by
/// the program's own planning code over accounts fetched from the chain:
/// the plan, the liquidated target (series or mint) and whether it is a
/// position. This is how a bot decides, and predicts the accounts to pass.
pub async fn plan_liquidation(
    bench: &TestBench,
    exchange_key: &Pubkey,
    margin: &Pubkey,
    health_metas: &[AccountMeta],
    max_quantity: u64,
) -> anchor_lang::Result<(options_margin_risk::planner::LiquidationPlan, Pubkey, bool)> {
    use options_margin_risk::planner::Candidate;
    let exchange: Exchange = bench.load_zc(exchange_key).await;
    let account: MarginAccount = bench.load_zc(margin).await;
    let now = bench.now().await;
    let mut owned = fetch_accounts(bench, health_metas).await;
    let infos: Vec<AccountInfo> = owned.iter_mut().map(|t| t.info()).collect();
    let loaded = health::load_inputs(&account, &exchange, exchange_key, &infos, now)?;
    let plan =
        options_margin::instructions::plan_call(&loaded, &account, &exchange, max_quantity)?.plan;
    let (target, is_position) = match plan.candidate {
        Candidate::Position(i) => (
            account
                .active_positions()
                .nth(i as usize)
                .expect("position")
                .series,
            true,
        ),
        Candidate::Collateral(j) => (
            account
                .active_collaterals()
                .nth(j as usize)
                .expect("collateral")
                .mint,
            false,
        ),
    };
    Ok((plan, target, is_position))
}
