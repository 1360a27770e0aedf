//! The test bench's keeper through a market crash on the embedded chain
//! (`cargo run -p options-margin-tests --example crash`), until the bot
//! over any chain replaces it as `options-margin keeper run`. Six writers from 100% to 140% of their initial
//! margin, SOL falling from $150 to $100 in $5 steps; after each step the
//! keeper passes over every account (settle, refresh, liquidate, wait out
//! grace periods, resolve bankruptcies) until it is quiet.

use options_margin::state::{Exchange, MarginAccount};
use options_margin_tests::client;
use options_margin_tests::crash::CrashScenario;
use options_margin_tests::keeper::KeeperAction;

/// Formats a native amount with `decimals` decimals.
fn units(native: i64, decimals: u8) -> String {
    options_margin_client::amounts::format_decimal(i128::from(native), decimals)
}

fn usd(native: i64) -> String {
    format!("${}", units(native, 6))
}

/// A ratio in bps, or "no MM" for an account without maintenance margin.
fn ratio(bps: u64) -> String {
    if bps == u64::MAX {
        "no MM".to_string()
    } else {
        format!("{bps} bps")
    }
}

/// unit: writers.
const WRITERS: usize = 6;

async fn run() -> Result<(), String> {
    let mut s = CrashScenario::new(WRITERS).await;
    let names: Vec<(anchor_lang::prelude::Pubkey, String)> = s
        .writers
        .iter()
        .enumerate()
        .map(|(k, w)| (w.margin, format!("writer {k}")))
        .collect();
    let name = |key: &anchor_lang::prelude::Pubkey| {
        names
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| key.to_string())
    };
    println!(
        "keeper — {WRITERS} writers (10 140-puts, 10 130-puts, 5 170-calls each), SOL from $150\n"
    );
    let (mut per_tier, mut fees) = ([0u32; 3], 0u64);
    for step in 1..=10i64 {
        let price_e8 = 15_000_000_000 - step * 500_000_000;
        println!("SOL ${}", units(price_e8, 8));
        let passes = s.step(price_e8).await;
        for (pass, actions) in passes.iter().enumerate() {
            for a in actions {
                match a {
                    KeeperAction::Liquidated { account, event } => {
                        per_tier[event.tier as usize - 1] += 1;
                        fees += event.fee_native;
                        println!(
                            "  pass {pass}: {} tier {}: {} {} at {} — fee {}, ratio {} -> {}",
                            name(account),
                            event.tier,
                            if event.target_is_position {
                                "contracts"
                            } else {
                                "collateral"
                            },
                            event.quantity,
                            usd(event.price as i64),
                            usd(event.fee_native as i64),
                            ratio(event.ratio_before_bps),
                            ratio(event.ratio_after_bps)
                        );
                    }
                    KeeperAction::Waiting { account, ratio_bps } => println!(
                        "  pass {pass}: {} at {ratio_bps} bps, in its grace period: waiting",
                        name(account)
                    ),
                    KeeperAction::Bankrupt { account, event } => println!(
                        "  pass {pass}: {} bankrupt: deficit {}, insurance {}, socialised {}",
                        name(account),
                        usd(event.deficit_native as i64),
                        usd(event.insurance_covered_native as i64),
                        usd(event.socialized_native as i64)
                    ),
                    KeeperAction::Settled { account, series } => {
                        println!("  pass {pass}: {} settled {series}", name(account))
                    }
                    KeeperAction::Failed {
                        account,
                        step,
                        error,
                    } => return Err(format!("{step} of {} refused: {error:?}", name(account))),
                }
            }
        }
    }
    println!("\nafter the crash");
    for (k, w) in s.writers.iter().enumerate() {
        let account: MarginAccount = s.bench.load_zc(&w.margin).await;
        let health = s.fx.health_accounts(&s.bench, &w.margin).await;
        let m = client::margin_summary(&s.bench, &s.fx.exchange, &w.margin, &health)
            .await
            .map_err(|e| format!("{e:?}"))?;
        println!(
            "  writer {k}: {} positions, equity {}, MM {}, ratio {}",
            account.active_positions().count(),
            usd(m.equity_native),
            usd(m.maintenance_margin_native),
            ratio(m.ratio_bps)
        );
    }
    let exchange: Exchange = s.bench.load_zc(&s.fx.exchange).await;
    println!(
        "liquidations by tier {per_tier:?}; fees {}; insurance fund {}",
        usd(fees as i64),
        usd(exchange.insurance_native)
    );
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
