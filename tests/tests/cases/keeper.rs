//! The keeper bot through a crash (`options_margin_tests::crash`): six
//! writers from 100% to 140% of their initial margin, SOL falling from $150
//! to $110 in $5 steps, the keeper passing over every account after each
//! step until it is quiet.

use options_margin::state::{Collateral, Exchange, MarginAccount, Series};
use options_margin_tests::client;
use options_margin_tests::crash::CrashScenario;
use options_margin_tests::keeper::KeeperAction;

/// precision: 1e-8 USD.
const PRICE_PATH_E8: [i64; 8] = [
    14_500_000_000,
    14_000_000_000,
    13_500_000_000,
    13_000_000_000,
    12_500_000_000,
    12_000_000_000,
    11_500_000_000,
    11_000_000_000,
];

/// vault + socialised loss = total = Σ balances + insurance, and open
/// interest long = short = stored, over every account of the scenario.
async fn check_books(s: &CrashScenario) {
    let config: Collateral = s.bench.load_zc(&s.fx.usdc.config).await;
    let exchange: Exchange = s.bench.load_zc(&s.fx.exchange).await;
    let mut sum = 0i64;
    let mut long = vec![0i64; s.series.len()];
    let mut short = vec![0i64; s.series.len()];
    for margin in s.accounts() {
        let account: MarginAccount = s.bench.load_zc(&margin).await;
        sum += s.fx.balance(&s.bench, &margin, &s.fx.usdc.mint).await;
        for (i, series) in s.series.iter().enumerate() {
            if let Some(slot) = account.position_slot(series) {
                let size = account.positions[slot].size_contracts;
                long[i] += size.max(0);
                short[i] += (-size).max(0);
            }
        }
    }
    let vault = s.bench.token_balance(&s.fx.usdc.vault).await as i64;
    assert_eq!(
        vault + config.socialized_loss_native,
        config.total_balance_native
    );
    assert_eq!(config.total_balance_native, sum + exchange.insurance_native);
    for (i, series) in s.series.iter().enumerate() {
        let stored: Series = s.bench.load_zc(series).await;
        assert_eq!(
            (long[i], stored.open_interest_contracts as i64),
            (short[i], long[i])
        );
    }
}

/// After every step: no refused transaction, every liquidation of a
/// solvent account raised its ratio, the books balance, and once the
/// keeper is quiet every account is healthy (at or above the first tier)
/// or flat. Printed: liquidations per tier, fees, bankruptcies.
#[tokio::test]
async fn the_keeper_brings_every_account_back_through_a_crash() {
    let mut s = CrashScenario::new(6).await;
    let exchange: Exchange = s.bench.load_zc(&s.fx.exchange).await;
    let params = exchange.liquidation_params();
    let (mut per_tier, mut fees, mut waits, mut bankruptcies) = ([0u32; 3], 0u64, 0u32, 0u32);
    for price in PRICE_PATH_E8 {
        let passes = s.step(price).await;
        for action in passes.iter().flatten() {
            match action {
                KeeperAction::Failed {
                    account,
                    step,
                    error,
                } => panic!("{step} of {account} refused at {price}: {error:?}"),
                KeeperAction::Liquidated { event, .. } => {
                    per_tier[event.tier as usize - 1] += 1;
                    fees += event.fee_native;
                    if event.equity_before_native > 0 {
                        assert!(
                            event.ratio_after_bps >= event.ratio_before_bps,
                            "ratio {} -> {}",
                            event.ratio_before_bps,
                            event.ratio_after_bps
                        );
                        assert!(event.mm_after_native < event.mm_before_native);
                    }
                }
                KeeperAction::Waiting { .. } => waits += 1,
                KeeperAction::Bankrupt { .. } => bankruptcies += 1,
                KeeperAction::Settled { .. } => {}
            }
        }
        let last = passes.last().expect("at least one pass");
        assert!(
            !last
                .iter()
                .any(|a| matches!(a, KeeperAction::Liquidated { .. })),
            "the keeper went quiet at {price}"
        );
        check_books(&s).await;
        for w in &s.writers {
            let account: MarginAccount = s.bench.load_zc(&w.margin).await;
            let health = s.fx.health_accounts(&s.bench, &w.margin).await;
            let m = client::margin_summary(&s.bench, &s.fx.exchange, &w.margin, &health)
                .await
                .expect("margin");
            let flat = account.active_positions().next().is_none();
            assert!(
                flat || params.tier_of(m.ratio_bps).is_none(),
                "at {price}: {m:?} still liquidatable"
            );
        }
    }
    let total: u32 = per_tier.iter().sum();
    assert!(
        total > 0 && per_tier[0] > 0,
        "the crash liquidates: {per_tier:?}"
    );
    println!(
        "keeper: {total} liquidations by tier {per_tier:?}, fees {fees} native, {waits} grace waits, {bankruptcies} bankruptcies"
    );
}
