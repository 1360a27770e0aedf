//! The liquidation keeper ("our bot"). A pass looks at each watched margin
//! account and does what a keeper does on mainnet, deciding off-chain with
//! the program's own code ([`client`]), so it only sends what the program
//! would accept at the time it looks:
//!
//! 1. positions in settled series: `settle_positions` (cash at the
//!    settlement price; a settled position is never a liquidation target);
//! 2. the series vectors of the account and of the keeper's own account
//!    (its margin check reads them too): `refresh_series_risk`, in chunks;
//! 3. ratio at or above the first tier: healthy, nothing to do;
//! 4. a soft tier inside the grace period: wait (the program would refuse);
//! 5. otherwise `partial_liquidate`, call after call while the account
//!    stays in closeout;
//! 6. flat with negative equity: `resolve_bankruptcy`.
//!
//! The bench has no `getProgramAccounts`, so the caller names the accounts
//! to watch. Every underlying of the fixture is priced by its SOL oracle.

use anchor_lang::prelude::Pubkey;
use options_margin::events::{BankruptcyEvent, LiquidationEvent};
use options_margin::state::{Exchange, MarginAccount, Series};
use solana_transaction_error::TransactionError;

use crate::bench::{find_event, TestBench};
use crate::client;
use crate::exchange::{ExchangeFixture, User};
use crate::ix;

/// unit: instructions. `refresh_series_risk` per keeper transaction (each
/// is estimated at ~50k CU on SBF).
pub const REFRESHES_PER_TX: usize = 8;

/// unit: calls. Closeout calls on one account in one pass: one per
/// position and collateral slot, so a full account can be flattened.
pub const MAX_CLOSEOUT_CALLS: usize = 40;

/// What the keeper did, or decided not to do, for one account.
pub enum KeeperAction {
    /// `settle_positions` booked the position in a settled series.
    Settled { account: Pubkey, series: Pubkey },
    /// A `partial_liquidate` landed.
    Liquidated {
        account: Pubkey,
        event: LiquidationEvent,
    },
    /// In a soft tier but inside the grace period: the keeper waits.
    Waiting { account: Pubkey, ratio_bps: u64 },
    /// `resolve_bankruptcy` wrote the deficit off.
    Bankrupt {
        account: Pubkey,
        event: BankruptcyEvent,
    },
    /// A transaction the keeper expected to land was refused.
    Failed {
        account: Pubkey,
        step: &'static str,
        error: TransactionError,
    },
}

impl KeeperAction {
    pub fn liquidation(&self) -> Option<&LiquidationEvent> {
        match self {
            Self::Liquidated { event, .. } => Some(event),
            _ => None,
        }
    }
}

impl ExchangeFixture {
    /// One keeper pass over `accounts` by `keeper` (see the module docs).
    pub async fn keeper_pass(
        &self,
        bench: &mut TestBench,
        keeper: &User,
        accounts: &[Pubkey],
    ) -> Vec<KeeperAction> {
        let mut actions = Vec::new();
        for account in accounts {
            self.keep_one(bench, keeper, account, &mut actions).await;
        }
        actions
    }

    async fn keep_one(
        &self,
        bench: &mut TestBench,
        keeper: &User,
        margin: &Pubkey,
        out: &mut Vec<KeeperAction>,
    ) {
        if !self.settle_expired(bench, margin, out).await
            || !self.refresh_held(bench, margin, &keeper.margin, out).await
        {
            return;
        }
        let exchange: Exchange = bench.load_zc(&self.exchange).await;
        let params = exchange.liquidation_params();
        let closeout = params.tiers.len() as u8;
        for _ in 0..MAX_CLOSEOUT_CALLS {
            let health = self.health_accounts(bench, margin).await;
            let Ok(m) = client::margin_summary(bench, &self.exchange, margin, &health).await else {
                return;
            };
            let account: MarginAccount = bench.load_zc(margin).await;
            if account.active_positions().next().is_none() && m.equity_native < 0 {
                self.resolve(bench, margin, out).await;
                return;
            }
            let Some(tier) = params.tier_of(m.ratio_bps) else {
                return;
            };
            let now = bench.now().await;
            let open_at = account.last_soft_liquidation_ts + exchange.risk.grace_period_secs as i64;
            if tier < closeout && account.last_soft_liquidation_ts != 0 && now < open_at {
                out.push(KeeperAction::Waiting {
                    account: *margin,
                    ratio_bps: m.ratio_bps,
                });
                return;
            }
            match self.liquidate(bench, keeper, margin, u64::MAX, 0).await {
                Ok(events) => {
                    let event: LiquidationEvent =
                        find_event(&events).expect("a liquidation emits its event");
                    let again = event.tier == closeout;
                    out.push(KeeperAction::Liquidated {
                        account: *margin,
                        event,
                    });
                    if !again {
                        return;
                    }
                }
                Err(error) => {
                    out.push(KeeperAction::Failed {
                        account: *margin,
                        step: "partial_liquidate",
                        error,
                    });
                    return;
                }
            }
        }
    }

    /// Books every position of `margin` in a settled series; false when a
    /// settlement was refused.
    async fn settle_expired(
        &self,
        bench: &mut TestBench,
        margin: &Pubkey,
        out: &mut Vec<KeeperAction>,
    ) -> bool {
        let account: MarginAccount = bench.load_zc(margin).await;
        let held: Vec<Pubkey> = account.active_positions().map(|p| p.series).collect();
        for series in held {
            let stored: Series = bench.load_zc(&series).await;
            if stored.settled == 0 {
                continue;
            }
            let settle = ix::settle_positions(&self.exchange, margin, &series);
            if let Err(error) = bench.send(&[settle], &[]).await {
                out.push(KeeperAction::Failed {
                    account: *margin,
                    step: "settle_positions",
                    error,
                });
                return false;
            }
            out.push(KeeperAction::Settled {
                account: *margin,
                series,
            });
        }
        true
    }

    /// Refreshes the vectors of every series `margin` or the liquidator's
    /// account `receiver` holds, priced now (the liquidator's margin check
    /// reads its own series too); false when a refresh was refused (a
    /// stale oracle, say).
    async fn refresh_held(
        &self,
        bench: &mut TestBench,
        margin: &Pubkey,
        receiver: &Pubkey,
        out: &mut Vec<KeeperAction>,
    ) -> bool {
        let oracle = self.sol.oracle;
        let theirs: MarginAccount = bench.load_zc(receiver).await;
        let extra: Vec<Pubkey> = theirs.active_positions().map(|p| p.series).collect();
        let refreshes = client::refresh_instructions(bench, margin, &extra, |_| oracle).await;
        for chunk in refreshes.chunks(REFRESHES_PER_TX) {
            if let Err(error) = bench.send(chunk, &[]).await {
                out.push(KeeperAction::Failed {
                    account: *margin,
                    step: "refresh_series_risk",
                    error,
                });
                return false;
            }
        }
        true
    }

    async fn resolve(&self, bench: &mut TestBench, margin: &Pubkey, out: &mut Vec<KeeperAction>) {
        let resolve = ix::resolve_bankruptcy(&self.exchange, margin, &self.usdc.mint);
        match bench.send_capturing_events(&[resolve], &[]).await {
            Ok(events) => out.push(KeeperAction::Bankrupt {
                account: *margin,
                event: find_event(&events).expect("a bankruptcy emits its event"),
            }),
            Err(error) => out.push(KeeperAction::Failed {
                account: *margin,
                step: "resolve_bankruptcy",
                error,
            }),
        }
    }
}
