//! Pricing every account of a snapshot with the program's health code, in
//! parallel, and ranking the unsafe ones (lowest ratio first).

use anchor_lang::prelude::Pubkey;
use options_margin::health::{MarginSummary, Valuation};
use options_margin::state::MarginAccount;
use options_margin_client::error::ClientError;
use options_margin_client::snapshot::Snapshot;

/// One account as the bot sees it.
#[derive(Debug)]
pub struct Ranked {
    pub key: Pubkey,
    /// The program's figures, or why they could not be computed (stale vectors…).
    pub summary: Result<MarginSummary, ClientError>,
}

/// Every account's summary (spot valuation, as liquidations value it),
/// computed on `threads` threads; in input order.
pub fn price_all(
    snapshot: &Snapshot,
    accounts: &[(Pubkey, MarginAccount)],
    threads: usize,
) -> Vec<Ranked> {
    let threads = threads.max(1);
    let chunk = accounts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = accounts
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(key, account)| Ranked {
                            key: *key,
                            summary: snapshot.summary(account, Valuation::Spot),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("pricing thread"))
            .collect()
    })
}

/// The accounts in a tier, lowest ratio first (ties by address).
pub fn rank(
    snapshot: &Snapshot,
    accounts: &[(Pubkey, MarginAccount)],
    threads: usize,
) -> Vec<(Pubkey, MarginSummary)> {
    let params = snapshot.exchange.liquidation_params();
    let mut unsafe_accounts: Vec<(Pubkey, MarginSummary)> = price_all(snapshot, accounts, threads)
        .into_iter()
        .filter_map(|r| r.summary.ok().map(|s| (r.key, s)))
        .filter(|(_, s)| params.tier_of(s.ratio_bps).is_some())
        .collect();
    unsafe_accounts.sort_by_key(|(k, s)| (s.ratio_bps, *k));
    unsafe_accounts
}
