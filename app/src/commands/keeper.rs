//! `keeper run`: the bot's loop, one log line per decision, a clean exit on Ctrl-C.

use options_margin_client::amounts::parse_decimal;
use options_margin_client::client::CuLimit;
use options_margin_client::error::ClientResult;
use options_margin_client::Chain;
use serde_json::json;

use crate::cli::KeeperArgs;
use crate::keeper::{Keeper, KeeperConfig, Outcome};
use crate::{Context, Output};

pub async fn run(ctx: &mut Context, a: &KeeperArgs) -> ClientResult<Output> {
    let mut config = KeeperConfig::new(ctx.exchange()?);
    config.account_index = a.index;
    config.min_fee_native = parse_decimal(&a.min_fee, 6)?;
    config.max_calls_per_account = a.max_calls.max(1);
    // The limit of every transaction from its simulation plus the margin.
    ctx.client.cu_limit = CuLimit::Simulate;
    let mut keeper = Keeper::new(&ctx.client, config);
    let (mut passes, mut liquidations, mut outcompeted, mut failed) = (0u64, 0u64, 0u64, 0u64);
    loop {
        let decisions = keeper.pass().await;
        passes += 1;
        let now = keeper
            .client
            .chain
            .clock()
            .await
            .map(|c| c.unix_timestamp)
            .unwrap_or(0);
        for d in &decisions {
            eprintln!("{} {d}", crate::fmt::date_time(now));
            match &d.outcome {
                Outcome::Done(_) if d.event.is_some() => liquidations += 1,
                Outcome::Outcompeted(_) => outcompeted += 1,
                Outcome::Failed(_) => failed += 1,
                _ => {}
            }
        }
        if a.passes.is_some_and(|n| passes >= n) {
            break;
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted: stopping after pass {passes}");
                break;
            }
            _ = tokio::time::sleep(std::time::Duration::from_secs(a.interval_secs)) => {}
        }
    }
    Ok(Output::new(
        format!("{passes} passes: {liquidations} liquidations, {outcompeted} outcompeted, {failed} failed"),
        json!({ "passes": passes, "liquidations": liquidations, "outcompeted": outcompeted, "failed": failed }),
    ))
}
