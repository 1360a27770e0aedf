//! One pass of the bot: discover, price, then act riskiest first.

use std::fmt;

use anchor_lang::prelude::Pubkey;
use options_margin::controller::liquidation::grace_blocks;
use options_margin::events::LiquidationEvent;
use options_margin::state::MarginAccount;
use options_margin_client::actions::{self, LiquidationRequest};
use options_margin_client::amounts::format_usd;
use options_margin_client::decode::margin_accounts;
use options_margin_client::error::ClientError;
use options_margin_client::snapshot::Snapshot;
use options_margin_client::tx::find_event;
use options_margin_client::{ix, Chain};
use solana_signer::Signer;

use super::{rank, Keeper};
use crate::fmt::ratio_bps;

/// How a decision ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done(String),
    /// Another liquidator (or the owner) got there first: nothing to do.
    Outcompeted(String),
    /// Nothing to do yet (a grace period, a fee below the minimum).
    Waiting(String),
    Failed(String),
}

/// One decision of the bot: what, on which account, why, and how it ended.
pub struct Decision {
    pub account: Pubkey,
    pub action: &'static str,
    pub why: String,
    pub outcome: Outcome,
    /// The liquidation's event, when it was one.
    pub event: Option<LiquidationEvent>,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, detail) = match &self.outcome {
            Outcome::Done(d) => ("ok", d),
            Outcome::Outcompeted(d) => ("outcompeted", d),
            Outcome::Waiting(d) => ("waiting", d),
            Outcome::Failed(d) => ("failed", d),
        };
        write!(
            f,
            "{:<18} {} — {} → {kind}: {detail}",
            self.action, self.account, self.why
        )
    }
}

fn decision(
    account: Pubkey,
    action: &'static str,
    why: impl Into<String>,
    outcome: Outcome,
) -> Decision {
    Decision {
        account,
        action,
        why: why.into(),
        outcome,
        event: None,
    }
}

/// What a failed send means for the bot.
fn classify(e: &ClientError) -> Outcome {
    use options_margin::error::ErrorCode;
    match e.program_error() {
        Some(ErrorCode::GracePeriodActive) => Outcome::Waiting("GracePeriodActive".into()),
        Some(ErrorCode::FeeBelowMinimum) => Outcome::Waiting("FeeBelowMinimum".into()),
        Some(code) if code.is_race_lost() => Outcome::Outcompeted(format!("{code:?}")),
        _ => Outcome::Failed(e.to_string()),
    }
}

pub async fn pass<C: Chain>(k: &mut Keeper<'_, C>, out: &mut Vec<Decision>) {
    let exchange = k.config.exchange;
    let chain = &k.client.chain;
    let prices = &k.client.prices;
    let payer = k.client.payer.pubkey();
    let lamports = match chain.account(&payer).await {
        Ok(a) => a.map_or(0, |a| a.lamports),
        Err(_) => u64::MAX,
    };
    if lamports < k.config.min_payer_lamports {
        out.push(decision(
            payer,
            "fee payer",
            format!("balance {:.6} SOL", lamports as f64 / 1e9),
            Outcome::Waiting(format!(
                "below {:.6} SOL: top it up, or calls stop landing",
                k.config.min_payer_lamports as f64 / 1e9
            )),
        ));
    }
    let accounts = match margin_accounts(chain, &exchange, None).await {
        Ok(a) => a,
        Err(e) => {
            out.push(decision(
                exchange,
                "scan",
                "getProgramAccounts",
                Outcome::Failed(e.to_string()),
            ));
            return;
        }
    };
    let mut snapshot = match Snapshot::load(chain, prices, &exchange).await {
        Ok(s) => s,
        Err(e) => {
            out.push(decision(
                exchange,
                "scan",
                "exchange snapshot",
                Outcome::Failed(e.to_string()),
            ));
            return;
        }
    };
    let me = k.client.payer.pubkey();
    let theirs: Vec<(Pubkey, MarginAccount)> = accounts
        .into_iter()
        .filter(|(_, a)| a.owner != me)
        .collect();

    settle(k, &snapshot, &theirs, out).await;
    if refresh_stale(k, &snapshot, &theirs, out).await {
        match Snapshot::load(&k.client.chain, &k.client.prices, &exchange).await {
            Ok(s) => snapshot = s,
            Err(e) => {
                out.push(decision(
                    exchange,
                    "scan",
                    "snapshot after refresh",
                    Outcome::Failed(e.to_string()),
                ));
                return;
            }
        }
    }
    let ranked = rank(&snapshot, &theirs, 2);
    for (key, summary) in ranked {
        if k.skipped(&key) {
            continue;
        }
        let Some(account) = theirs.iter().find(|(a, _)| *a == key).map(|(_, a)| *a) else {
            continue;
        };
        let flat = account.active_positions().next().is_none()
            && account
                .active_collaterals()
                .all(|c| c.mint == snapshot.exchange.settlement_mint);
        if flat && summary.equity_native < 0 {
            let d = resolve(k, &snapshot, &key, summary.equity_native).await;
            k.record(&key, &d.outcome);
            out.push(d);
            continue;
        }
        let closeout = snapshot.exchange.liquidation_params().tiers.len() as u8;
        let tier = snapshot
            .exchange
            .liquidation_params()
            .tier_of(summary.ratio_bps)
            .unwrap_or(0);
        if tier < closeout
            && grace_blocks(
                &account,
                &snapshot.exchange,
                summary.ratio_bps,
                snapshot.now_ts,
            )
        {
            out.push(decision(
                key,
                "wait",
                format!("tier {tier} at {}", ratio_bps(summary.ratio_bps)),
                Outcome::Waiting(format!(
                    "grace period until {}",
                    crate::fmt::date_time(
                        account.last_soft_liquidation_ts
                            + i64::from(snapshot.exchange.risk.grace_period_secs)
                    )
                )),
            ));
            continue;
        }
        let liquidated_below = snapshot.exchange.risk.tiers[0].below_ratio_bps;
        liquidate(
            k,
            &key,
            (tier, summary.ratio_bps),
            (closeout, u64::from(liquidated_below)),
            out,
        )
        .await;
    }
}

/// Settles expired series with the update that straddles expiry, then books
/// settled positions of every account holding them.
async fn settle<C: Chain>(
    k: &mut Keeper<'_, C>,
    snapshot: &Snapshot,
    accounts: &[(Pubkey, MarginAccount)],
    out: &mut Vec<Decision>,
) {
    let held = |s: &Pubkey| accounts.iter().any(|(_, a)| a.position_slot(s).is_some());
    let mut settled_now = Vec::new();
    for (key, s) in &snapshot.series {
        if s.settled == 0 && s.expiry_ts <= snapshot.now_ts && held(key) {
            let result = match actions::settle_series(&k.client.chain, &k.client.prices, key).await
            {
                Ok(ix) => k.client.send(&[ix], &[]).await.map(|sig| sig.to_string()),
                Err(e) => Err(e),
            };
            let outcome = match result {
                Ok(sig) => {
                    settled_now.push(*key);
                    Outcome::Done(sig)
                }
                Err(e) => classify(&e),
            };
            out.push(decision(*key, "settle_series", "expired", outcome));
        }
    }
    for (margin, account) in accounts {
        let settled: Vec<Pubkey> = account
            .active_positions()
            .map(|p| p.series)
            .filter(|s| {
                settled_now.contains(s) || snapshot.series.get(s).is_some_and(|x| x.settled != 0)
            })
            .collect();
        if settled.is_empty() {
            continue;
        }
        let ixs: Vec<_> = settled
            .iter()
            .map(|s| ix::settle_positions(&snapshot.exchange_key, margin, s))
            .collect();
        let outcome = match k.client.send(&ixs, &[]).await {
            Ok(sig) => Outcome::Done(sig.to_string()),
            Err(e) => classify(&e),
        };
        k.record(margin, &outcome);
        out.push(decision(
            *margin,
            "settle_positions",
            format!("{} settled series", settled.len()),
            outcome,
        ));
    }
}

/// Refreshes the vectors of every series an account holds when its health
/// cannot be computed for stale inputs; true when something was refreshed.
async fn refresh_stale<C: Chain>(
    k: &mut Keeper<'_, C>,
    snapshot: &Snapshot,
    accounts: &[(Pubkey, MarginAccount)],
    out: &mut Vec<Decision>,
) -> bool {
    let mut series: Vec<Pubkey> = Vec::new();
    for r in super::rank::price_all(snapshot, accounts, 2) {
        let Err(e) = &r.summary else { continue };
        if !e.needs_refresh() {
            continue;
        }
        if let Some((_, a)) = accounts.iter().find(|(key, _)| *key == r.key) {
            for p in a.active_positions() {
                let live = snapshot
                    .series
                    .get(&p.series)
                    .is_some_and(|s| s.settled == 0 && s.expiry_ts > snapshot.now_ts);
                if live && !series.contains(&p.series) {
                    series.push(p.series);
                }
            }
        }
    }
    if series.is_empty() {
        return false;
    }
    for chunk in series.chunks(4) {
        let mut ixs = Vec::new();
        for s in chunk {
            if let Ok(ix) = actions::refresh(&k.client.chain, &k.client.prices, s).await {
                ixs.push(ix);
            }
        }
        let outcome = match k.client.send(&ixs, &[]).await {
            Ok(sig) => Outcome::Done(sig.to_string()),
            Err(e) => classify(&e),
        };
        for s in chunk {
            out.push(decision(
                *s,
                "refresh",
                "stale vectors held by an account",
                outcome.clone(),
            ));
        }
    }
    true
}

async fn resolve<C: Chain>(
    k: &Keeper<'_, C>,
    snapshot: &Snapshot,
    margin: &Pubkey,
    equity: i64,
) -> Decision {
    let ix = ix::resolve_bankruptcy(
        &snapshot.exchange_key,
        margin,
        &snapshot.exchange.settlement_mint,
    );
    let outcome = match k.client.send(&[ix], &[]).await {
        Ok(sig) => Outcome::Done(sig.to_string()),
        Err(e) => classify(&e),
    };
    decision(
        *margin,
        "resolve_bankruptcy",
        format!("flat with equity {}", format_usd(i128::from(equity))),
        outcome,
    )
}

/// Liquidates `margin`, call after call while it stays in a tier, until a
/// soft call cut by its tier's cap starts the grace period.
/// `(tier, ratio)`: where the account stands; `(closeout, below)`: the
/// closeout tier and the ratio (bps) below which an account is liquidated.
async fn liquidate<C: Chain>(
    k: &mut Keeper<'_, C>,
    margin: &Pubkey,
    (tier, ratio): (u8, u64),
    (closeout, liquidated_below_bps): (u8, u64),
    out: &mut Vec<Decision>,
) {
    let request = LiquidationRequest {
        liquidator: k.client.payer.pubkey(),
        receiver: k.receiver(),
        liquidatee: *margin,
        max_quantity: u64::MAX,
        min_fee_native: k.config.min_fee_native,
    };
    let mut why = format!("tier {tier} at {}", ratio_bps(ratio));
    for _ in 0..k.config.max_calls_per_account {
        let sent = match actions::liquidate(&k.client.chain, &k.client.prices, &request).await {
            Ok(ixs) => k.client.send_with_events(&ixs, &[]).await,
            Err(e) => Err(e),
        };
        let mut d = decision(
            *margin,
            "partial_liquidate",
            why.clone(),
            Outcome::Failed(String::new()),
        );
        match sent {
            Ok((sig, events)) => {
                let e: Option<LiquidationEvent> = find_event(&events);
                d.outcome = Outcome::Done(match &e {
                    Some(e) => format!(
                        "tier {} took {} of {} at {}, fee {}; ratio {} → {} ({sig})",
                        e.tier,
                        e.quantity,
                        e.target,
                        format_usd(i128::from(e.price)),
                        format_usd(i128::from(e.fee_native)),
                        ratio_bps(e.ratio_before_bps),
                        ratio_bps(e.ratio_after_bps)
                    ),
                    None => sig.to_string(),
                });
                // Call again while the account is still in a tier, unless
                // the tier's cap cut this soft call (its grace period starts).
                let again = e.as_ref().is_some_and(|e| {
                    e.ratio_after_bps < liquidated_below_bps
                        && (e.tier == closeout || !e.capped_by_tier)
                });
                if let Some(e) = &e {
                    why = format!("still at {}", ratio_bps(e.ratio_after_bps));
                }
                d.event = e;
                k.record(margin, &d.outcome);
                out.push(d);
                if !again {
                    return;
                }
            }
            Err(err) => {
                d.outcome = classify(&err);
                k.record(margin, &d.outcome);
                out.push(d);
                return;
            }
        }
    }
}
