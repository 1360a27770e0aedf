//! `series list | refresh` and `settle`.

use anchor_lang::prelude::Pubkey;
use options_margin::state::Series;
use options_margin_client::actions;
use options_margin_client::amounts::{format_decimal, format_usd};
use options_margin_client::decode::series_of_exchange;
use options_margin_client::error::ClientResult;
use options_margin_client::Chain;
use serde_json::json;

use crate::commands::resolve;
use crate::fmt::{date_time, table};
use crate::{Context, Output};

pub async fn list(ctx: &mut Context) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let all: Vec<(Pubkey, Series)> = series_of_exchange(&ctx.client.chain, &exchange).await?;
    let mut rows = vec![vec![
        "series".into(),
        "address".into(),
        "vol".into(),
        "mark".into(),
        "delta".into(),
        "open interest".into(),
        "vectors at".into(),
        "state".into(),
    ]];
    let mut json_rows = Vec::new();
    for (k, s) in &all {
        let state = if s.settled != 0 {
            format!(
                "settled at {}",
                format_usd((s.settlement_price_e12 / 1_000_000) as i128)
            )
        } else {
            "live".into()
        };
        rows.push(vec![
            resolve::label(&ctx.profile, &s.underlying, s),
            k.to_string(),
            format!(
                "{}%",
                format_decimal(i128::from(s.vol_e6) * 100, 6)
                    .trim_end_matches('0')
                    .trim_end_matches('.')
            ),
            format_usd(i128::from(s.risk.mark_native)),
            format_decimal(i128::from(s.risk.delta_e9), 9),
            s.open_interest_contracts.to_string(),
            date_time(s.risk.computed_at_ts),
            state,
        ]);
        json_rows.push(json!({
            "address": k.to_string(),
            "label": resolve::label(&ctx.profile, &s.underlying, s),
            "vol_e6": s.vol_e6,
            "mark_native": s.risk.mark_native,
            "delta_e9": s.risk.delta_e9,
            "open_interest_contracts": s.open_interest_contracts,
            "settled": s.settled != 0,
        }));
    }
    Ok(Output::new(table(&rows), json!(json_rows)))
}

pub async fn refresh(ctx: &mut Context, names: &[String]) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let now = ctx.client.chain.clock().await?.unix_timestamp;
    let targets: Vec<Pubkey> = if names.is_empty() {
        series_of_exchange(&ctx.client.chain, &exchange)
            .await?
            .into_iter()
            .filter(|(_, s)| s.settled == 0 && s.expiry_ts > now)
            .map(|(k, _)| k)
            .collect()
    } else {
        let mut out = Vec::new();
        for n in names {
            out.push(
                resolve::series(&ctx.client.chain, &ctx.profile, &exchange, n)
                    .await?
                    .0,
            );
        }
        out
    };
    let mut ixs = Vec::new();
    for s in &targets {
        ixs.push(actions::refresh(&ctx.client.chain, &ctx.client.prices, s).await?);
    }
    // Four refreshes per transaction keep well inside the compute budget.
    for chunk in ixs.chunks(4) {
        ctx.client.send(chunk, &[]).await?;
    }
    Ok(Output::new(
        format!("refreshed {} series", targets.len()),
        json!({ "refreshed": targets.iter().map(|k| k.to_string()).collect::<Vec<_>>() }),
    ))
}

pub async fn settle(ctx: &mut Context, name: &str) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let (key, series) = resolve::series(&ctx.client.chain, &ctx.profile, &exchange, name).await?;
    let ix = actions::settle_series(&ctx.client.chain, &ctx.client.prices, &key).await?;
    ctx.client.send(&[ix], &[]).await?;
    let after: Series = options_margin_client::decode::fetch(&ctx.client.chain, &key).await?;
    Ok(Output::new(
        format!(
            "settled {} at {}",
            resolve::label(&ctx.profile, &series.underlying, &series),
            format_usd((after.settlement_price_e12 / 1_000_000) as i128)
        ),
        json!({ "series": key.to_string(), "settlement_price_e12": after.settlement_price_e12 }),
    ))
}
