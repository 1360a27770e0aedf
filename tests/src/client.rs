//! Client-side reads through the SDK: the margin of an account computed
//! off-chain by the very code the program runs (`options_margin::health`
//! over the SDK's fetched [`KeyedAccount`]s), for margin-check lists the
//! fixture builds (so tests can also pass forged ones).

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::health::{self, MarginSummary};
use options_margin::reader::KeyedAccount;
use options_margin::state::{Exchange, MarginAccount};
use options_margin_client::health::fetch_keyed;

use crate::bench::TestBench;

/// Fetches `metas` as the SDK does.
async fn fetch_accounts(bench: &TestBench, metas: &[AccountMeta]) -> Vec<KeyedAccount> {
    fetch_keyed(bench.chain(), metas)
        .await
        .expect("margin-check accounts exist")
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
    let owned = fetch_accounts(bench, health_metas).await;
    let (summary, _) =
        health::account_margin(&account, &exchange, exchange_key, &owned, now, valuation)?;
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
    let owned = fetch_accounts(bench, health_metas).await;
    let loaded = health::load_inputs(&account, &exchange, exchange_key, &owned, now)?;
    let plan = options_margin::controller::liquidation::plan_call(
        &loaded,
        &account,
        &exchange,
        max_quantity,
    )?
    .plan;
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
