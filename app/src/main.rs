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
//! - `keeper`: the liquidation bot through a market crash (see `keeper.rs`).

mod keeper;

use options_margin::events::{LiquidationEvent, TradeEvent, WithdrawEvent};
use options_margin::state::{Collateral, Exchange, MarginAccount, Series};
use options_margin_tests::bench::{find_event, program_test, sbf_binary_available};
use options_margin_tests::exchange::SOL_CONF_E8;
use options_margin_tests::options::sol_terms;
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
    options_and_liquidation(&mut bench, &fx).await
}

/// Lists a SOL put, lets a trader write it, crashes SOL and liquidates the
/// writer partially, printing each step.
async fn options_and_liquidation(
    bench: &mut TestBench,
    fx: &ExchangeFixture,
) -> Result<(), String> {
    let underlying = fx.add_sol_underlying(bench).await;
    let now = bench.now().await;
    let put = fx
        .ready_series(
            bench,
            &underlying,
            sol_terms(false, 140, now + 30 * 86_400),
            750_000,
        )
        .await;
    let series: Series = bench.load_zc(&put).await;
    println!(
        "\nseries       SOL 140 put, 30 days, vol 75%: mark {}, delta {} per contract (e9 {})",
        usd(series.risk.mark_native),
        units(series.risk.delta_e9, 9),
        series.risk.delta_e9
    );

    let writer = fx.new_user(bench, 10_000_000_000, 0).await;
    let buyer = fx.new_user(bench, 100_000_000_000, 0).await;
    let keeper = fx.new_user(bench, 1_000_000_000_000, 0).await;
    for (u, amount) in [
        (&writer, 500_000_000u64),
        (&buyer, 50_000_000_000),
        (&keeper, 500_000_000_000),
    ] {
        fx.deposit(bench, u, &fx.usdc.mint, amount)
            .await
            .map_err(|e| format!("deposit: {e:?}"))?;
    }
    let events = fx
        .trade(
            bench,
            &buyer,
            &writer,
            &put,
            20,
            series.risk.mark_native as u64,
        )
        .await
        .map_err(|e| format!("trade: {e:?}"))?;
    let trade: TradeEvent = find_event(&events).ok_or("no trade event")?;
    println!(
        "trade        writer sells 20 puts at the mark: equity {}, IM {}",
        usd(trade.equity_b_after_native),
        usd(trade.initial_margin_b_after_native)
    );

    bench.advance_time(1).await;
    let t = bench.now().await;
    fx.set_sol_price(bench, 13_350_000_000, SOL_CONF_E8, t);
    fx.refresh(bench, &underlying, &put).await;
    let health = fx.health_accounts(bench, &writer.margin).await;
    let m = client::margin_summary(bench, &fx.exchange, &writer.margin, &health)
        .await
        .map_err(|e| format!("{e:?}"))?;
    println!(
        "SOL -> $133.50 writer equity {}, MM {}, ratio {} bps",
        usd(m.equity_native),
        usd(m.maintenance_margin_native),
        m.ratio_bps
    );

    let events = fx
        .liquidate(bench, &keeper, &writer.margin, u64::MAX, 0)
        .await
        .map_err(|e| format!("liquidate: {e:?}"))?;
    let ev: LiquidationEvent = find_event(&events).ok_or("no liquidation event")?;
    println!(
        "liquidation  tier {}: the keeper took {} contracts at {} each, fee {} ({} to insurance); ratio {} -> {} bps",
        ev.tier,
        -ev.quantity,
        usd(ev.price as i64),
        usd(ev.fee_native as i64),
        usd(ev.insurance_share_native as i64),
        ev.ratio_before_bps,
        ev.ratio_after_bps
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
        "keeper" => runtime.block_on(keeper::run()),
        "-h" | "--help" | "help" => {
            println!(
                "usage: options-margin [demo|keeper]\n\n  demo     run the protocol on an embedded in-process chain (default)\n  keeper   the liquidation bot through a market crash, on the same chain"
            );
            Ok(())
        }
        other => Err(format!("unknown command {other:?}; try --help")),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
