//! `account create | deposit | withdraw | show | list`.

use anchor_lang::prelude::Pubkey;
use options_margin::health::Valuation;
use options_margin::state::MarginAccount;
use options_margin_client::actions::{self, Side};
use options_margin_client::amounts::{format_decimal, format_usd, parse_decimal};
use options_margin_client::decode::{fetch, margin_accounts};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::health::HealthContext;
use options_margin_client::setup::parse_pubkey;
use options_margin_client::{ix, pda, token, Chain};
use serde_json::json;
use solana_signer::Signer;

use crate::cli::TransferArgs;
use crate::fmt::{ratio_bps, table};
use crate::{Context, Output};

pub async fn create(ctx: &mut Context, index: u16) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let owner = ctx.signer().insecure_clone();
    let margin = pda::margin_account(&exchange, &owner.pubkey(), index).0;
    ctx.client
        .send(
            &[ix::create_margin_account(&owner.pubkey(), &exchange, index)],
            &[&owner],
        )
        .await?;
    Ok(Output::new(
        format!(
            "margin account {margin} (owner {}, index {index})",
            owner.pubkey()
        ),
        json!({ "margin_account": margin.to_string(), "owner": owner.pubkey().to_string(), "index": index }),
    ))
}

/// The mint and its decimals a `--mint` names (decimals from the chain when the profile lacks them).
pub async fn mint_and_decimals(ctx: &Context, text: &str) -> ClientResult<(Pubkey, u8)> {
    let (mint, decimals) = ctx.profile.mint(text)?;
    match decimals {
        Some(d) => Ok((mint, d)),
        None => {
            let account = ctx
                .client
                .chain
                .account(&mint)
                .await?
                .ok_or(ClientError::AccountNotFound(mint))?;
            Ok((mint, token::mint_decimals(&mint, &account)?))
        }
    }
}

pub async fn deposit(ctx: &mut Context, a: &TransferArgs) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let (mint, decimals) = mint_and_decimals(ctx, &a.mint).await?;
    let amount = parse_decimal(&a.amount, decimals)?;
    let owner = ctx.signer().insecure_clone();
    let side = Side {
        owner: owner.pubkey(),
        account_index: a.index,
    };
    let source = token::ata(&owner.pubkey(), &mint);
    let held = match ctx.client.chain.account(&source).await? {
        Some(acc) => token::token_amount(&source, &acc)?,
        None => 0,
    };
    if held < amount {
        return Err(ClientError::Input(format!(
            "the token account {source} holds {} of {mint}, less than {}",
            format_decimal(i128::from(held), decimals),
            a.amount
        )));
    }
    ctx.client
        .send(
            &[actions::deposit(&exchange, side, &mint, amount)],
            &[&owner],
        )
        .await?;
    Ok(Output::new(
        format!(
            "deposited {} of {mint} into {}",
            format_decimal(i128::from(amount), decimals),
            side.margin(&exchange)
        ),
        json!({ "margin_account": side.margin(&exchange).to_string(), "mint": mint.to_string(), "amount_native": amount }),
    ))
}

pub async fn withdraw(ctx: &mut Context, a: &TransferArgs) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let (mint, decimals) = mint_and_decimals(ctx, &a.mint).await?;
    let amount = parse_decimal(&a.amount, decimals)?;
    let owner = ctx.signer().insecure_clone();
    let side = Side {
        owner: owner.pubkey(),
        account_index: a.index,
    };
    let ixs = actions::withdraw(
        &ctx.client.chain,
        &ctx.client.prices,
        &exchange,
        side,
        &mint,
        amount,
    )
    .await?;
    ctx.client.send(&ixs, &[&owner]).await?;
    Ok(Output::new(
        format!(
            "withdrew {} of {mint} from {}",
            format_decimal(i128::from(amount), decimals),
            side.margin(&exchange)
        ),
        json!({ "margin_account": side.margin(&exchange).to_string(), "mint": mint.to_string(), "amount_native": amount }),
    ))
}

/// The margin account an `account show` names.
pub fn margin_key(ctx: &Context, account: Option<&str>, index: u16) -> ClientResult<Pubkey> {
    match account {
        Some(text) => parse_pubkey(text),
        None => Ok(pda::margin_account(&ctx.exchange()?, &ctx.signer().pubkey(), index).0),
    }
}

/// The health table. Vectors older than the exchange allows make the
/// program's own check (and so the table) fail: `--refresh` sends the
/// account's refreshes first.
pub async fn show(
    ctx: &mut Context,
    account: Option<&str>,
    index: u16,
    refresh: bool,
) -> ClientResult<Output> {
    let margin = margin_key(ctx, account, index)?;
    if refresh {
        let held: MarginAccount = fetch(&ctx.client.chain, &margin).await?;
        let ixs = options_margin_client::health::refresh_instructions(
            &ctx.client.chain,
            &ctx.client.prices,
            &held,
            &[],
        )
        .await?;
        for chunk in ixs.chunks(4) {
            ctx.client.send(chunk, &[]).await?;
        }
    }
    let report = options_margin_client::report::account_report(
        &ctx.client.chain,
        &ctx.client.prices,
        &margin,
    )
    .await;
    match report {
        Ok(r) => Ok(Output::new(r.render_table(), r.to_json())),
        Err(e) if !refresh && e.needs_refresh() => Err(ClientError::Program(format!(
            "{e} (the account's series need a refresh: add --refresh)"
        ))),
        Err(e) => Err(e),
    }
}

pub async fn list(ctx: &mut Context, owner: Option<&str>) -> ClientResult<Output> {
    let exchange = ctx.exchange()?;
    let owner = owner.map(parse_pubkey).transpose()?;
    let accounts: Vec<(Pubkey, MarginAccount)> =
        margin_accounts(&ctx.client.chain, &exchange, owner.as_ref()).await?;
    let mut rows = vec![vec![
        "margin account".into(),
        "owner".into(),
        "#".into(),
        "positions".into(),
        "equity".into(),
        "MM".into(),
        "ratio".into(),
        "tier".into(),
    ]];
    let mut json_rows = Vec::new();
    let ex: options_margin::state::Exchange = fetch(&ctx.client.chain, &exchange).await?;
    let params = ex.liquidation_params();
    for (key, account) in &accounts {
        let summary = HealthContext::fetch(&ctx.client.chain, &ctx.client.prices, key)
            .await
            .and_then(|h| h.summary(Valuation::Spot));
        let (equity, mm, ratio, tier) = match &summary {
            Ok(s) => (
                format_usd(i128::from(s.equity_native)),
                format_usd(i128::from(s.maintenance_margin_native)),
                ratio_bps(s.ratio_bps),
                params
                    .tier_of(s.ratio_bps)
                    .map_or("healthy".to_owned(), |t| format!("tier {t}")),
            ),
            Err(e) => (
                format!("({e})"),
                String::new(),
                String::new(),
                String::new(),
            ),
        };
        rows.push(vec![
            key.to_string(),
            account.owner.to_string(),
            account.account_index.to_string(),
            account.active_positions().count().to_string(),
            equity,
            mm,
            ratio,
            tier,
        ]);
        json_rows.push(json!({
            "margin_account": key.to_string(),
            "owner": account.owner.to_string(),
            "index": account.account_index,
            "positions": account.active_positions().count(),
            "equity_native": summary.as_ref().ok().map(|s| s.equity_native),
            "mm_native": summary.as_ref().ok().map(|s| s.maintenance_margin_native),
            "ratio_bps": summary.as_ref().ok().map(|s| s.ratio_bps),
        }));
    }
    Ok(Output::new(table(&rows), json!(json_rows)))
}
