//! `trade`: a bilateral block trade, both owners signing.

use options_margin_client::actions::{self, Side, TradeRequest};
use options_margin_client::amounts::{format_usd, parse_decimal};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::tx::find_event;
use serde_json::json;
use solana_signer::Signer;

use crate::cli::TradeArgs;
use crate::commands::resolve;
use crate::context::read_keypair;
use crate::{Context, Output};

pub async fn trade(ctx: &mut Context, a: &TradeArgs) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let (series_key, series) =
        resolve::series(&ctx.client.chain, &ctx.profile, &exchange, &a.series).await?;
    if a.contracts == 0 || !a.contracts.is_multiple_of(series.lot_size_contracts) {
        return Err(ClientError::Input(format!(
            "--contracts {} must be a positive multiple of the lot size {}",
            a.contracts, series.lot_size_contracts
        )));
    }
    let size_lots = i64::try_from(a.contracts / series.lot_size_contracts)
        .map_err(|_| ClientError::Input("--contracts too large".into()))?;
    let premium = parse_decimal(&a.premium, 6)?;
    let buyer = read_keypair(&a.buyer)?;
    let seller = read_keypair(&a.seller)?;
    let request = TradeRequest {
        exchange,
        a: Side {
            owner: buyer.pubkey(),
            account_index: a.buyer_index,
        },
        b: Side {
            owner: seller.pubkey(),
            account_index: a.seller_index,
        },
        series: series_key,
        size_lots,
        premium_per_contract_native: premium,
    };
    let ixs = actions::trade(&ctx.client.chain, &ctx.client.prices, &request).await?;
    let (signature, events) = ctx
        .client
        .send_with_events(&ixs, &[&buyer, &seller])
        .await?;
    let event: Option<options_margin::events::TradeEvent> = find_event(&events);
    let label = resolve::label(&ctx.profile, &series.underlying, &series);
    Ok(Output::new(
        format!(
            "{} bought {} × {label} from {} at {} per contract ({signature})",
            buyer.pubkey(),
            a.contracts,
            seller.pubkey(),
            format_usd(i128::from(premium))
        ),
        json!({
            "signature": signature.to_string(),
            "series": series_key.to_string(),
            "contracts": a.contracts,
            "premium_per_contract_native": premium,
            "event_seen": event.is_some(),
        }),
    ))
}
