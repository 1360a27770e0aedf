//! The keeper bot through a crash (`options_margin_tests::crash`): six
//! writers from 100% to 140% of their initial margin, SOL falling from $150
//! to $110 in $5 steps, the keeper passing over every account after each
//! step until it is quiet.

use options_margin::state::{Exchange, MarginAccount};
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
        s.fx.assert_books(&s.bench, &s.accounts(), &s.series).await;
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
