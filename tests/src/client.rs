//! Client-side reads: the margin of an account computed off-chain by the
//! very code the program runs (`options_margin::health`), over accounts
//! fetched from the chain. This is how the CLI and the bot see health, so
//! off-chain numbers equal on-chain numbers to the unit.

use anchor_lang::prelude::{AccountInfo, AccountMeta, Pubkey};
use options_margin::health::{self, MarginSummary};
use options_margin::oracle::fixtures::TestAccount;
use options_margin::state::{Exchange, MarginAccount};

use crate::bench::TestBench;

/// Computes `margin`'s equity, IM and MM as a margin check would right now,
/// from the margin-check accounts `health` (as passed to an instruction).
pub async fn margin_summary(
    bench: &TestBench,
    exchange_key: &Pubkey,
    margin: &Pubkey,
    health_metas: &[AccountMeta],
) -> anchor_lang::Result<MarginSummary> {
    let exchange: Exchange = bench.load_zc(exchange_key).await;
    let account: MarginAccount = bench.load_zc(margin).await;
    let now = bench.now().await;
    let mut owned = Vec::with_capacity(health_metas.len());
    for meta in health_metas {
        let acc = bench
            .get_account(&meta.pubkey)
            .await
            .expect("margin-check account exists");
        let mut t = TestAccount::new(meta.pubkey, acc.owner, &acc.data);
        t.lamports = acc.lamports;
        owned.push(t);
    }
    let infos: Vec<AccountInfo> = owned.iter_mut().map(|t| t.info()).collect();
    health::account_margin(
        &account,
        &exchange,
        exchange_key,
        &infos,
        now,
        health::CheckMode::REDUCE_ONLY,
    )
}
