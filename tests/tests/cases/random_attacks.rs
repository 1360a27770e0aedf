//! A random sequence with an attacker in it. Beside honest traders, writers
//! and a keeper, an attacker holds two accounts of one wallet and a second
//! wallet, and tries what the security reviews found: trades between its
//! own accounts at off-market premiums (0, 1, the whole vault, multiples of
//! the mark), draining the accomplice account, one-lot liquidations to buy
//! grace periods, withdrawals at the exact IM boundary and one unit past
//! it, margin checks and refreshes with older price updates. After every
//! step, over every account:
//!
//! - an action that raised an account's IM or MM left it at or above IM;
//! - no action but a liquidation (or a price move) lowered the
//!   `equity − MM` of an account that ends below IM;
//! - the books balance exactly (vault + socialised loss = total = Σ
//!   balances + Σ accruals + insurance; counted total; open interest);
//! - no account is stuck: every account below MM has a liquidation plan
//!   or is resolvable as bankrupt.
//!
//! `RANDOM_ATTACK_STEPS` overrides the step count (default 3,000).

use std::collections::BTreeMap;

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::error::ErrorCode;
use options_margin::health::MarginSummary;
use options_margin::state::{MarginAccount, RiskParams, Series};
use options_margin_tests::bench::program_test;
use options_margin_tests::errors::custom_code;
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::sol_terms;
use options_margin_tests::pyth::PullPrice;
use options_margin_tests::{client, ix, ExchangeFixture, TestBench, User};
use solana_transaction_error::TransactionError;

const USD: u64 = 1_000_000;

/// xorshift64*, deterministic so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn code(e: ErrorCode) -> u32 {
    e.code()
}

struct World {
    bench: TestBench,
    fx: ExchangeFixture,
    u: Pubkey,
    series: Vec<Pubkey>,
    /// 0..4 writers, 4..8 two-way traders, 8 the keeper, 9 and 10 the
    /// attacker's two accounts (one wallet), 11 the attacker's second wallet.
    accounts: Vec<User>,
    /// precision: 1e-8 USD. The official SOL price.
    price_e8: i64,
    /// Refusals by error code, and attacker actions tried.
    refusals: BTreeMap<u32, u32>,
    attacks: u32,
}

const KEEPER: usize = 8;
const ATTACKER: usize = 9;
const ACCOMPLICE: usize = 10;
const FRIEND: usize = 11;

async fn world() -> World {
    let mut bench = TestBench::start(program_test()).await;
    let mut risk = RiskParams::defaults();
    risk.grace_period_secs = 30;
    let fx = ExchangeFixture::setup_with_risk(&mut bench, risk).await;
    let u = fx.add_sol_underlying(&mut bench).await;
    let now = bench.now().await;
    let mut series = Vec::new();
    for (is_call, strike) in [(false, 140), (false, 150), (true, 160)] {
        let terms = sol_terms(is_call, strike, now + 60 * 86_400);
        series.push(fx.ready_series(&mut bench, &u, terms, 700_000).await);
    }
    let mut accounts: Vec<User> = Vec::new();
    for k in 0..12 {
        let deposit = match k {
            KEEPER => 5_000_000 * USD,
            ATTACKER | ACCOMPLICE => 300 * USD,
            FRIEND => 100_000 * USD,
            _ => 600 * USD,
        };
        let user = if k == ACCOMPLICE {
            fx.second_account(&mut bench, &accounts[ATTACKER], 1).await
        } else {
            fx.new_user(&mut bench, 1_000_000_000 * USD, 0).await
        };
        fx.deposit(&mut bench, &user, &fx.usdc.mint, deposit)
            .await
            .unwrap();
        accounts.push(user);
    }
    World {
        bench,
        fx,
        u,
        series,
        accounts,
        price_e8: 15_000_000_000,
        refusals: BTreeMap::new(),
        attacks: 0,
    }
}

impl World {
    async fn summaries(&self) -> Vec<MarginSummary> {
        let mut out = Vec::with_capacity(self.accounts.len());
        for a in &self.accounts {
            out.push(self.fx.margin_of(&self.bench, &a.margin).await);
        }
        out
    }

    /// Records an expected refusal, panicking on any other error.
    fn refused(&mut self, step: usize, what: &str, e: &TransactionError, allowed: &[ErrorCode]) {
        let c = custom_code(e);
        let ok = c.is_some_and(|c| allowed.iter().any(|a| code(*a) == c));
        assert!(ok, "step {step}: {what} refused with {e:?}");
        *self.refusals.entry(c.unwrap_or(0)).or_default() += 1;
    }

    fn user(&self, k: usize) -> User {
        let a = &self.accounts[k];
        User {
            wallet: a.wallet.insecure_clone(),
            ..*a
        }
    }

    async fn mark(&self, s: &Pubkey) -> u64 {
        let stored: Series = self.bench.load_zc(s).await;
        stored.risk.mark_native as u64
    }

    async fn trade(
        &mut self,
        a: usize,
        b: usize,
        s: &Pubkey,
        size: i64,
        premium: u64,
    ) -> Result<(), TransactionError> {
        let (ua, ub) = (self.user(a), self.user(b));
        self.fx
            .trade(&mut self.bench, &ua, &ub, s, size, premium)
            .await
            .map(|_| ())
    }

    async fn move_price(&mut self, rng: &mut Rng) {
        let span = if rng.below(10) == 0 { 600 } else { 150 };
        let noise = rng.below(2 * span + 1) as i64 - span as i64;
        let p = self.price_e8;
        self.price_e8 = p + p * noise / 10_000 + (15_000_000_000 - p) / 200;
        self.bench.advance_time(5).await;
        let now = self.bench.now().await;
        self.fx
            .set_sol_price(&mut self.bench, self.price_e8, SOL_CONF_E8, now);
        for s in self.series.clone() {
            self.fx.refresh(&mut self.bench, &self.u, &s).await;
        }
    }

    /// An older update of the SOL feed at a fresh address (the attacker's own post).
    async fn older_update(&mut self, age_secs: i64) -> Pubkey {
        let address = Pubkey::new_unique();
        let now = self.bench.now().await;
        self.bench.set_pull_price(
            &address,
            PullPrice::usd_e8(
                self.fx.sol.feed_id,
                self.price_e8,
                SOL_CONF_E8,
                now - age_secs,
            ),
        );
        address
    }
}

#[tokio::test]
async fn random_attacks_never_break_an_invariant() {
    let steps: usize = std::env::var("RANDOM_ATTACK_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000);
    let mut w = world().await;
    let mut rng = Rng(0x5eed_a77a_c4e5_0001);
    let mut liquidations = 0u32;
    for step in 0..steps {
        let before = w.summaries().await;
        let action = rng.below(24);
        // Price moves and liquidations may lower a below-IM account's health.
        let mut exempt = false;
        match action {
            0..=5 => {
                let i = 4 + rng.below(4) as usize;
                let j = rng.below(8) as usize;
                let j = if j == i { (j + 1) % 8 } else { j };
                let s = w.series[rng.below(3) as usize];
                let size = 1 + rng.below(6) as i64;
                let size = if j < 4 || rng.below(2) == 0 {
                    size
                } else {
                    -size
                };
                let premium = w.mark(&s).await * (95 + rng.below(11)) / 100;
                if let Err(e) = w.trade(i, j, &s, size, premium).await {
                    w.refused(step, "trade", &e, &TRADE_REFUSALS);
                }
            }
            6..=9 => {
                w.move_price(&mut rng).await;
                exempt = true;
            }
            10 => {
                let k = rng.below(12) as usize;
                let user = w.user(k);
                let amount = 1 + rng.below(300 * USD);
                w.fx.deposit(&mut w.bench, &user, &w.fx.usdc.mint, amount)
                    .await
                    .unwrap();
            }
            11 | 12 => {
                // The exact IM boundary: one unit past it is refused, the
                // boundary itself is not (when the balance covers it). The
                // keeper and the friend keep their capital to liquidate with.
                let k = [0, 1, 2, 3, 4, 5, 6, 7, ATTACKER, ACCOMPLICE][rng.below(10) as usize];
                let user = w.user(k);
                let m = before[k];
                let excess = m.equity_native - m.initial_margin_native;
                let balance = w.fx.balance(&w.bench, &user.margin, &w.fx.usdc.mint).await;
                let usdc = w.fx.usdc.mint;
                if excess >= 0 && excess < balance {
                    let r =
                        w.fx.withdraw(&mut w.bench, &user, &usdc, excess as u64 + 1)
                            .await;
                    let e = r.expect_err("one unit past IM");
                    w.refused(
                        step,
                        "withdraw past IM",
                        &e,
                        &[ErrorCode::BelowInitialMargin],
                    );
                }
                if excess > 0 && excess <= balance {
                    w.fx.withdraw(&mut w.bench, &user, &usdc, excess as u64)
                        .await
                        .unwrap_or_else(|e| panic!("step {step}: withdraw to IM: {e:?}"));
                }
            }
            13..=15 => {
                // The attacker's accounts trade with each other off-market.
                w.attacks += 1;
                let s = w.series[rng.below(3) as usize];
                let mark = w.mark(&s).await;
                let vault = w.bench.token_balance(&w.fx.usdc.vault).await;
                let premium = match rng.below(6) {
                    0 => 0,
                    1 => 1,
                    2 => vault,
                    3 => mark + 1,
                    4 => mark * (1 + rng.below(20)),
                    _ => mark * (90 + rng.below(21)) / 100,
                };
                let size = 1 + rng.below(3) as i64;
                let (a, b) = if rng.below(2) == 0 {
                    (ATTACKER, ACCOMPLICE)
                } else {
                    (ACCOMPLICE, ATTACKER)
                };
                let size = if rng.below(2) == 0 { size } else { -size };
                if let Err(e) = w.trade(a, b, &s, size, premium).await {
                    w.refused(step, "self-trade", &e, &TRADE_REFUSALS);
                }
            }
            16 => {
                // Drain attempt: the accomplice withdraws its whole balance.
                w.attacks += 1;
                let user = w.user(ACCOMPLICE);
                let balance = w.fx.balance(&w.bench, &user.margin, &w.fx.usdc.mint).await;
                if balance > 0 {
                    let usdc = w.fx.usdc.mint;
                    if let Err(e) =
                        w.fx.withdraw(&mut w.bench, &user, &usdc, balance as u64)
                            .await
                    {
                        w.refused(
                            step,
                            "drain",
                            &e,
                            &[ErrorCode::BelowInitialMargin, ErrorCode::StaleVolatility],
                        );
                    }
                }
            }
            17 => {
                // A one-lot liquidation from the attacker's second wallet.
                w.attacks += 1;
                let k = rng.below(4) as usize;
                let friend = w.user(FRIEND);
                let target = w.accounts[k].margin;
                match w.fx.liquidate(&mut w.bench, &friend, &target, 1, 0).await {
                    Ok(_) => {
                        exempt = true;
                        liquidations += 1;
                    }
                    Err(e) => w.refused(step, "token liquidation", &e, &LIQUIDATION_REFUSALS),
                }
            }
            18 => {
                // A withdrawal whose margin check uses an older SOL update.
                w.attacks += 1;
                let k = rng.below(12) as usize;
                let user = w.user(k);
                let older = w.older_update(1 + rng.below(20) as i64).await;
                let mut health = w.fx.health_accounts(&w.bench, &user.margin).await;
                for m in health.iter_mut().filter(|m| m.pubkey == w.fx.sol.oracle) {
                    *m = AccountMeta::new_readonly(older, false);
                }
                let a = w.fx.transfer_accounts(&user, &w.fx.usdc.mint);
                let amount = 1 + rng.below(50 * USD);
                let r = w
                    .bench
                    .send(&[ix::withdraw(&a, amount, &health)], &[&user.wallet])
                    .await;
                if let Err(e) = r {
                    w.refused(
                        step,
                        "withdraw with an older update",
                        &e,
                        &[
                            ErrorCode::BelowInitialMargin,
                            ErrorCode::InsufficientBalance,
                            ErrorCode::OracleStale,
                            ErrorCode::PriceMovedSinceRefresh,
                            ErrorCode::PriceTooOldToAddRisk,
                        ],
                    );
                }
            }
            19 => {
                // A refresh with an older update: a no-op, never a rollback.
                w.attacks += 1;
                let s = w.series[rng.below(3) as usize];
                let older = w.older_update(1 + rng.below(20) as i64).await;
                let snapshot = w.bench.snapshot(&[s]).await;
                w.bench
                    .send(&[ix::refresh_series_risk(&w.u, &s, &older)], &[])
                    .await
                    .unwrap_or_else(|e| panic!("step {step}: older refresh {e:?}"));
                let after = w.bench.snapshot(&[s]).await;
                assert_eq!(snapshot, after, "step {step}: a refresh went back in time");
            }
            _ => {
                exempt = true;
                let k = if rng.below(4) == 0 {
                    rng.below(11)
                } else {
                    rng.below(4)
                } as usize;
                let k = if k == KEEPER { ATTACKER } else { k };
                let keeper = w.user(KEEPER);
                let target = w.accounts[k].margin;
                match w
                    .fx
                    .liquidate(&mut w.bench, &keeper, &target, u64::MAX, 0)
                    .await
                {
                    Ok(_) => liquidations += 1,
                    Err(e) => {
                        if custom_code(&e) == Some(code(ErrorCode::NothingToLiquidate)) {
                            resolve_if_bankrupt(&mut w, k).await;
                        } else {
                            w.refused(step, "liquidation", &e, &LIQUIDATION_REFUSALS);
                        }
                    }
                }
            }
        }
        let after = w.summaries().await;
        check_step(&w, step, action, exempt, &before, &after).await;
    }
    println!(
        "{steps} attacker steps: {} attacker actions, {liquidations} liquidations; refusals by code: {:?}",
        w.attacks,
        w.refusals
            .iter()
            .map(|(c, n)| (ErrorCode::from_code(*c).map(|e| format!("{e:?}")).unwrap_or(c.to_string()), *n))
            .collect::<Vec<_>>()
    );
    assert!(w.attacks > steps as u32 / 10, "the attacker acted");
}

const TRADE_REFUSALS: [ErrorCode; 6] = [
    ErrorCode::BelowInitialMargin,
    ErrorCode::HealthWouldFall,
    ErrorCode::EquityWouldFall,
    ErrorCode::PremiumOutsideBand,
    ErrorCode::AccountPositionsFull,
    ErrorCode::StaleVolatility,
];

const LIQUIDATION_REFUSALS: [ErrorCode; 3] = [
    ErrorCode::AccountHealthy,
    ErrorCode::GracePeriodActive,
    ErrorCode::NothingToLiquidate,
];

/// Resolves account `k` when it is bankrupt (flat, settlement only, negative).
async fn resolve_if_bankrupt(w: &mut World, k: usize) {
    let account: MarginAccount = w.bench.load_zc(&w.accounts[k].margin).await;
    if account.active_positions().count() == 0 && account.settlement_balance(&w.fx.usdc.mint) < 0 {
        let r = ix::resolve_bankruptcy(&w.fx.exchange, &w.accounts[k].margin, &w.fx.usdc.mint);
        w.bench
            .send(&[r], &[])
            .await
            .expect("resolve a bankrupt account");
    }
}

/// The invariants of the module docs, after one step.
async fn check_step(
    w: &World,
    step: usize,
    action: u64,
    exempt: bool,
    before: &[MarginSummary],
    after: &[MarginSummary],
) {
    let mut margins: Vec<Pubkey> = w.accounts.iter().map(|a| a.margin).collect();
    margins.dedup();
    w.fx.assert_books(&w.bench, &margins, &w.series).await;
    for (k, (b, a)) in before.iter().zip(after).enumerate() {
        let risk_rose = a.initial_margin_native > b.initial_margin_native
            || a.maintenance_margin_native > b.maintenance_margin_native;
        if !exempt && risk_rose {
            assert!(
                a.meets_initial(),
                "step {step} (action {action}): account {k} added risk below IM: {b:?} -> {a:?}"
            );
        }
        // An account that ends below IM kept at least its `equity − MM`
        // (an account that ends at or above IM met the standard of any
        // risk-adding action, whatever it was before).
        if !exempt && !a.meets_initial() {
            let health =
                |m: &MarginSummary| m.equity_native as i128 - m.maintenance_margin_native as i128;
            assert!(
                health(a) >= health(b),
                "step {step} (action {action}): below-IM account {k} lost health: {b:?} -> {a:?}"
            );
        }
        if !a.meets_maintenance() {
            let margin = &w.accounts[k].margin;
            let list = w.fx.liquidatee_health(&w.bench, margin).await;
            let plan =
                client::plan_liquidation(&w.bench, &w.fx.exchange, margin, &list, u64::MAX).await;
            if plan.is_err() {
                let account: MarginAccount = w.bench.load_zc(margin).await;
                assert!(
                    account.active_positions().count() == 0
                        && account
                            .active_collaterals()
                            .all(|c| c.mint == w.fx.usdc.mint),
                    "step {step}: account {k} below MM is stuck: {a:?} {plan:?}"
                );
            }
        }
    }
}
