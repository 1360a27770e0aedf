//! `liquidate ACCOUNT`: one `partial_liquidate` call, planned off-chain by
//! the program's own code, with the caller's guards.

use options_margin::events::LiquidationEvent;
use options_margin_client::actions;
use options_margin_client::amounts::{format_usd, parse_decimal};
use options_margin_client::error::ClientResult;
use options_margin_client::pda;
use options_margin_client::setup::parse_pubkey;
use options_margin_client::tx::find_event;
use serde_json::json;
use solana_signer::Signer;

use crate::cli::LiquidateArgs;
use crate::fmt::ratio_bps;
use crate::{Context, Output};

pub async fn liquidate(ctx: &mut Context, a: &LiquidateArgs) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let liquidatee = parse_pubkey(&a.account)?;
    let liquidator = ctx.signer().insecure_clone();
    let receiver = pda::margin_account(&exchange, &liquidator.pubkey(), a.index).0;
    let min_fee = parse_decimal(&a.min_fee, 6)?;
    let request = actions::LiquidationRequest {
        liquidator: liquidator.pubkey(),
        receiver,
        liquidatee,
        max_quantity: a.max_quantity.unwrap_or(u64::MAX),
        min_fee_native: min_fee,
    };
    let ixs = actions::liquidate(&ctx.client.chain, &ctx.client.prices, &request).await?;
    let (signature, events) = ctx.client.send_with_events(&ixs, &[&liquidator]).await?;
    let e: Option<LiquidationEvent> = find_event(&events);
    let text = match &e {
        Some(e) => format!(
            "tier {} on {}: took {} of {} at {}, fee {} ({} to insurance); ratio {} → {}  ({signature})",
            e.tier,
            liquidatee,
            e.quantity,
            e.target,
            if e.target_is_position { format_usd(i128::from(e.price)) } else { format!("{} e12 USD", e.price) },
            format_usd(i128::from(e.fee_native)),
            format_usd(i128::from(e.insurance_share_native)),
            ratio_bps(e.ratio_before_bps),
            ratio_bps(e.ratio_after_bps),
        ),
        None => format!("liquidated {liquidatee} ({signature})"),
    };
    Ok(Output::new(
        text,
        json!({
            "signature": signature.to_string(),
            "tier": e.as_ref().map(|e| e.tier),
            "target": e.as_ref().map(|e| e.target.to_string()),
            "quantity": e.as_ref().map(|e| e.quantity),
            "fee_native": e.as_ref().map(|e| e.fee_native),
            "ratio_before_bps": e.as_ref().map(|e| e.ratio_before_bps),
            "ratio_after_bps": e.as_ref().map(|e| e.ratio_after_bps),
        }),
    ))
}
