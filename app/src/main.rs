//! `options-margin`: the protocol's command-line client.
//!
//! Its default backend is an embedded in-process chain (solana-program-test
//! with the real SPL Token program and Pyth accounts in their real layout),
//! so every command runs on a fresh machine with no validator.
//!
//! Commands:
//! - `demo` (default): create an exchange with USDC and SOL collateral, fund
//!   a trader, deposit, withdraw, and print the exchange and the account
//!   with its margin, computed off-chain by the same code the program runs
//!   and checked against what the program reported on-chain.

use options_margin::events::WithdrawEvent;
use options_margin::state::{Collateral, Exchange, MarginAccount};
use options_margin_tests::bench::{find_event, program_test, sbf_binary_available};
use options_margin_tests::{client, ix, ExchangeFixture, TestBench};
use solana_signer::Signer;

/// Formats a native amount with `decimals` decimals.
fn units(native: i64, decimals: u8) -> String {
    let scale = 10i128.pow(decimals as u32);
    let v = native as i128;
    let sign = if v < 0 { "-" } else { "" };
    let (whole, frac) = (v.abs() / scale, v.abs() % scale);
    format!("{sign}{whole}.{frac:0width$}", width = decimals as usize)
}

fn usd(native: i64) -> String {
    format!("${}", units(native, 6))
}

async fn demo() -> Result<(), String> {
    let backend = if sbf_binary_available() {
        "SBF binary (options_margin.so)"
    } else {
        "native processor"
    };
    println!("options-margin demo — in-process chain, program as {backend}\n");
    let mut bench = TestBench::start(program_test()).await;
    let fx = ExchangeFixture::setup(&mut bench).await;
    let trader = fx.new_user(&mut bench, 5_000_000_000, 20_000_000_000).await;

    fx.deposit(&mut bench, &trader, &fx.usdc.mint, 2_500_000_000)
        .await
        .map_err(|e| format!("deposit USDC: {e:?}"))?;
    fx.deposit(&mut bench, &trader, &fx.sol.mint, 12_000_000_000)
        .await
        .map_err(|e| format!("deposit SOL: {e:?}"))?;
    // Withdraw some USDC: the program runs its initial-margin check and
    // reports the account's margin in the event.
    let health = fx.health_accounts(&bench, &trader.margin).await;
    let w = ix::withdraw(
        &fx.transfer_accounts(&trader, &fx.usdc.mint),
        500_000_000,
        &health,
    );
    let events = bench
        .send_capturing_events(&[w], &[&trader.wallet])
        .await
        .map_err(|e| format!("withdraw: {e:?}"))?;
    let on_chain: WithdrawEvent = find_event(&events).ok_or("no withdraw event")?;

    let exchange: Exchange = bench.load_zc(&fx.exchange).await;
    println!("exchange      {}", fx.exchange);
    println!("  admin       {}", exchange.admin);
    println!(
        "  tiers       {:?}",
        exchange
            .risk
            .tiers
            .map(|t| (t.below_ratio_bps, t.max_fraction_bps))
    );
    println!(
        "  target      {} bps, grace {} s, fee {} + {} bps of MM released",
        exchange.risk.target_ratio_bps,
        exchange.risk.grace_period_secs,
        usd(exchange.risk.fee_flat_native as i64),
        exchange.risk.fee_rate_bps
    );
    for (name, c) in [("USDC", &fx.usdc), ("SOL", &fx.sol)] {
        let cfg: Collateral = bench.load_zc(&c.config).await;
        println!(
            "  collateral  {name:<4} mint {} decimals {} weights IM {} / MM {} bps, vault holds {}",
            c.mint,
            cfg.decimals,
            cfg.init_weight_bps,
            cfg.maint_weight_bps,
            units(bench.token_balance(&c.vault).await as i64, c.decimals)
        );
    }

    let account: MarginAccount = bench.load_zc(&trader.margin).await;
    println!("\nmargin account {}", trader.margin);
    println!("  owner       {}", trader.wallet.pubkey());
    for c in account.active_collaterals() {
        let (name, decimals) = if c.mint == fx.usdc.mint {
            ("USDC", 6)
        } else {
            ("SOL", 9)
        };
        println!(
            "  balance     {:>16} {name}",
            units(c.balance_native, decimals)
        );
    }
    let off_chain = client::margin_summary(&bench, &fx.exchange, &trader.margin, &health)
        .await
        .map_err(|e| format!("off-chain margin: {e:?}"))?;
    println!(
        "  equity      {:>16}  (SOL at price − 1·conf)",
        usd(off_chain.equity_native)
    );
    println!("  initial     {:>16}", usd(off_chain.initial_margin_native));
    println!(
        "  maintenance {:>16}",
        usd(off_chain.maintenance_margin_native)
    );
    if off_chain.equity_native != on_chain.equity_after_native
        || off_chain.initial_margin_native != on_chain.initial_margin_after_native
    {
        return Err(format!(
            "off-chain {off_chain:?} differs from on-chain equity {} / IM {}",
            on_chain.equity_after_native, on_chain.initial_margin_after_native
        ));
    }
    println!(
        "  on-chain    equity {} / IM {} reported by the program: identical",
        usd(on_chain.equity_after_native),
        usd(on_chain.initial_margin_after_native)
    );
    Ok(())
}

fn main() {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "demo".to_string());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = match command.as_str() {
        "demo" => runtime.block_on(demo()),
        "-h" | "--help" | "help" => {
            println!("usage: options-margin [demo]\n\n  demo   run the protocol on an embedded in-process chain (default)");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}; try --help")),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
